//! The `iotwin` command; all logic lives in the library and in `cli`.

#![forbid(unsafe_code)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
