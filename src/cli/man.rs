//! `iotwin man` and `iotwin completions`: the documentation clap derives from the command
//! line's definition.

use std::path::Path;
use std::process::ExitCode;

use iotwin::report;

use super::{Cli, EXIT_CODES, say};

/// Prints `shell`'s completion script to standard output.
pub(super) fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "iotwin", &mut out);
    ExitCode::SUCCESS
}

/// Writes `iotwin.1` and a page per command into `dir`.
pub(super) fn man(dir: &Path) -> ExitCode {
    let cmd = <Cli as clap::CommandFactory>::command();
    let mut pages = vec![("iotwin".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands() {
        let name = format!("iotwin-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    let written = std::fs::create_dir_all(dir).and_then(|()| {
        let mut paths = vec![];
        for (name, page) in pages {
            let mut bytes = vec![];
            let page = page.after_long_help(EXIT_CODES);
            clap_mangen::Man::new(page)
                .title(name.to_uppercase())
                .render(&mut bytes)?;
            let path = dir.join(format!("{name}.1"));
            report::write_atomically(&path, &bytes)?;
            paths.push(path);
        }
        Ok(paths)
    });
    match written {
        Ok(paths) => {
            let list: String = paths
                .iter()
                .map(|p| format!("wrote {}\n", p.display()))
                .collect();
            say(&list);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "error: cannot write the man pages to {}: {e}",
                dir.display()
            );
            ExitCode::from(1)
        }
    }
}
