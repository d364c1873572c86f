//! Sets up linking of the Node.js addon (napi-rs).

fn main() {
    napi_build::setup();
}
