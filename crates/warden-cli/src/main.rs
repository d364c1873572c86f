//! `warden run SCRIPT`: runs a JavaScript handler on one event and prints its
//! result; `warden snapshot SCRIPT -o FILE` saves a sandbox with it loaded,
//! which `warden run --snapshot FILE` starts from. See `warden run --help`
//! and `exit.rs` for the exit codes.

mod exit;
mod run;
mod terminal;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Run untrusted JavaScript event handlers in a WebAssembly sandbox.
#[derive(Parser)]
#[command(name = "warden", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a handler on one event and print its JSON result to stdout.
    #[command(after_help = exit::help())]
    Run(run::RunArgs),
    /// Load a handler and save the sandbox as a snapshot file, for
    /// `warden run --snapshot`.
    #[command(after_help = exit::help())]
    Snapshot(run::SnapshotArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Snapshot(args) => run::snapshot(args),
    }
}
