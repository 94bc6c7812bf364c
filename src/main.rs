//! The `flowlab` command: `flowlab run`, `flowlab presets`, `flowlab bench`.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::main(args)
}
