//! The `iotwin` command; all logic lives in the library and in `cli`.

#![forbid(unsafe_code)]
// As in the library: no unwrap or expect on a path user input can reach.
#![warn(clippy::unwrap_used, clippy::expect_used)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
