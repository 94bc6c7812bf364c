//! The `flowlab` command: with no subcommand it opens the app; `flowlab run`,
//! `flowlab presets` and `flowlab bench` work headless.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::main(args)
}
