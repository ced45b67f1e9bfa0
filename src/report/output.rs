//! Writing into an output folder that other people and processes can touch: one writer at a
//! time ([`OutputLock`]), temporary files created exclusively and never through a symbolic link
//! ([`write_atomically`]), and a report set replaced as a whole ([`write_set`]).
//!
//! A report set is written to `DIR/.iotwin-staging/`, which is renamed to `DIR/.iotwin-staged/`
//! once every file in it is whole and synced: that rename is the commit. Its files are then
//! renamed into place. A process killed before the commit leaves the old set (the staging folder
//! is thrown away by the next writer); one killed after it leaves a staged set that the next
//! writer moves into place before anything else ([`recover`]), so the folder ends with the old
//! set or the new one, never a mix, and no temporary files. Everything here runs under the
//! folder's lock.
//!
//! For readers that do not run iotwin (a browser, a CI job, a copy to another machine), the set
//! carries a manifest, [`MANIFEST`], in `sha256sum` format: the old one is removed before the
//! first file moves and the new one moved in last, so `sha256sum -c MANIFEST.sha256` passing is
//! the reader's proof that the folder holds one whole set; while a set is being replaced (or
//! after a kill, until the next writer recovers it) there is no manifest.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Where a set is written before it is committed.
const STAGING: &str = ".iotwin-staging";
/// A committed set, moved into place file by file.
const STAGED: &str = ".iotwin-staged";
/// Inside a staged set: the files to move (one per line, `+ path`) and to delete (`- path`,
/// or `x path`: delete unless this set's own copy has already been moved in).
const PLAN: &str = "plan.txt";
/// The report set's manifest: one `SHA-256  path` line per file, as `sha256sum` writes them.
pub const MANIFEST: &str = "MANIFEST.sha256";

/// The manifest of `files`, in `sha256sum` format (so `sha256sum -c` checks it).
fn manifest(files: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut text = String::new();
    for (name, bytes) in files {
        let digest = Sha256::digest(bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        text.push_str(&format!("{hex}  {}\n", name.display()));
    }
    text.into_bytes()
}

/// Whether `dir` holds one whole report set: its manifest is there and every file it lists
/// has the content it records (what a reader checks with `sha256sum -c MANIFEST.sha256`).
pub fn is_whole(dir: &Path) -> bool {
    use sha2::{Digest, Sha256};
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else {
        return false;
    };
    text.lines().all(|line| {
        let Some((hex, name)) = line.split_once("  ") else {
            return false;
        };
        fs::read(dir.join(name)).is_ok_and(|bytes| {
            let digest = Sha256::digest(&bytes);
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
                == hex
        })
    })
}

/// An error for a path that is a symbolic link where iotwin writes.
fn linked(path: &Path) -> io::Error {
    io::Error::other(format!(
        "{} is a symbolic link; iotwin does not write through links inside an output folder (remove it, or choose another folder with --out DIR)",
        path.display()
    ))
}

/// Refuses `path` if it is a symbolic link (a missing path is fine).
pub fn refuse_link(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(linked(path)),
        _ => Ok(()),
    }
}

/// Creates the folder `dir` (and its parents) inside an output folder, refusing a link.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    refuse_link(dir)?;
    fs::create_dir_all(dir)?;
    refuse_link(dir)
}

/// Writes `bytes` to `path` atomically: a temporary file with a random name created exclusively
/// beside it (`O_EXCL`: a planted file or link of that name is never opened), synced, then
/// renamed over `path` (which replaces a link at `path` rather than writing through it). A
/// parent folder that is a link is refused.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_new(path, bytes, true)
}

/// As [`write_atomically`]; `sync` says whether to `fsync` before the rename.
pub fn write_new(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    refuse_link(parent)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(parent)?;
    tmp.write_all(bytes)?;
    if sync {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Replaces the report set in `dir` with `files` (paths relative to `dir`, e.g.
/// `charts/x.svg`) and deletes `remove` (stale files of an earlier set), as one change: see the
/// module documentation. Returns the paths written.
pub fn write_set(
    dir: &Path,
    files: &[(PathBuf, Vec<u8>)],
    remove: &[PathBuf],
) -> io::Result<Vec<PathBuf>> {
    write_set_stopping(dir, files, remove, usize::MAX)
}

/// [`write_set`], stopping (as if killed, leaving everything as it is) after `steps` file
/// operations: what the tests use to check every point a kill can fall on.
pub(crate) fn write_set_stopping(
    dir: &Path,
    files: &[(PathBuf, Vec<u8>)],
    remove: &[PathBuf],
    steps: usize,
) -> io::Result<Vec<PathBuf>> {
    let mut budget = Budget(steps);
    create_dir(dir)?;
    recover(dir)?;
    let staging = dir.join(STAGING);
    for (name, _) in files.iter() {
        check_relative(name)?;
    }
    create_dir(&staging)?;
    // The old manifest goes first and the new one comes last: a folder with a manifest that
    // checks is a whole set.
    let mut plan = format!("x {MANIFEST}\n");
    let manifest = manifest(files);
    let with_manifest = files
        .iter()
        .map(|(n, b)| (n.as_path(), b.as_slice()))
        .chain([(Path::new(MANIFEST), manifest.as_slice())]);
    let mut last = String::new();
    for (name, bytes) in with_manifest {
        budget.step()?;
        let path = staging.join(name);
        if let Some(parent) = path.parent() {
            create_dir(parent)?;
        }
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        let line = format!("+ {}\n", name.display());
        if name == Path::new(MANIFEST) {
            last = line;
        } else {
            plan.push_str(&line);
        }
    }
    for name in remove {
        check_relative(name)?;
        plan.push_str(&format!("- {}\n", name.display()));
    }
    plan.push_str(&last);
    budget.step()?;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(staging.join(PLAN))?;
    f.write_all(plan.as_bytes())?;
    f.sync_all()?;
    sync_dir(&staging);
    budget.step()?;
    fs::rename(&staging, dir.join(STAGED))?;
    sync_dir(dir);
    apply(dir, &mut budget)?;
    Ok(files.iter().map(|(name, _)| dir.join(name)).collect())
}

/// Counts file operations down to a simulated kill.
struct Budget(usize);

impl Budget {
    fn step(&mut self) -> io::Result<()> {
        if self.0 == 0 {
            return Err(io::Error::other("stopped (simulated kill)"));
        }
        self.0 -= 1;
        Ok(())
    }
}

/// Report files are named by iotwin, relative and without `..`; anything else is a bug.
fn check_relative(name: &Path) -> io::Result<()> {
    let plain = name
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)));
    if plain && !name.as_os_str().is_empty() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "refusing to write outside the output folder: {}",
            name.display()
        )))
    }
}

/// Finishes or discards a report set interrupted by a kill: a staged (committed) set is moved
/// into place, a staging (uncommitted) one deleted. Call under the folder's lock.
pub fn recover(dir: &Path) -> io::Result<()> {
    let staging = dir.join(STAGING);
    refuse_link(&staging)?;
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    refuse_link(&dir.join(STAGED))?;
    if dir.join(STAGED).exists() {
        apply(dir, &mut Budget(usize::MAX))?;
    }
    Ok(())
}

/// Moves a staged set into place, following its plan; each step can be repeated, so a kill
/// here is finished by the next [`recover`].
fn apply(dir: &Path, budget: &mut Budget) -> io::Result<()> {
    let staged = dir.join(STAGED);
    let plan = fs::read_to_string(staged.join(PLAN))?;
    for line in plan.lines() {
        let (op, name) = line.split_at(line.len().min(2));
        let name = Path::new(name);
        check_relative(name)?;
        let target = dir.join(name);
        if let Some(parent) = target.parent() {
            create_dir(parent)?;
        }
        match op {
            "+ " => {
                let from = staged.join(name);
                if from.exists() {
                    budget.step()?;
                    fs::rename(&from, &target)?;
                }
            }
            "- " => {
                if fs::symlink_metadata(&target).is_ok() {
                    budget.step()?;
                    fs::remove_file(&target)?;
                }
            }
            // Repeating a plan after a kill must not delete what it already moved in.
            "x " => {
                if staged.join(name).exists() && fs::symlink_metadata(&target).is_ok() {
                    budget.step()?;
                    fs::remove_file(&target)?;
                }
            }
            _ => return Err(io::Error::other(format!("{}: bad line", PLAN))),
        }
    }
    sync_dir(dir);
    budget.step()?;
    fs::remove_dir_all(&staged)
}

/// Syncs a folder's entries (renames) where the platform allows opening a folder.
fn sync_dir(dir: &Path) {
    if let Ok(f) = File::open(dir) {
        let _ = f.sync_all();
    }
}

/// The exclusive right to write one output (a report set, a shard file) in a folder, held
/// until dropped. The lock file names its holder, so a refused writer can say who it is.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    file: File,
}

/// Why an output folder could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{} is being written by another iotwin process ({holder})", dir.display())]
    Held { dir: PathBuf, holder: String },
    #[error("cannot lock {}: {error}", path.display())]
    Io { path: PathBuf, error: io::Error },
}

impl LockError {
    pub fn hint(&self) -> String {
        match self {
            LockError::Held { .. } => {
                "wait for it to finish, or give this run another folder with --out DIR".into()
            }
            LockError::Io { .. } => "choose another folder with --out DIR".into(),
        }
    }
}

impl OutputLock {
    /// Locks `dir/name` (e.g. `.iotwin-lock`) without waiting, creating `dir`; `holder`
    /// describes this process (pid, command, start time) for a writer refused later.
    pub fn acquire(dir: &Path, name: &str, holder: &str) -> Result<OutputLock, LockError> {
        let path = dir.join(name);
        let io = |error: io::Error| LockError::Io {
            path: path.clone(),
            error,
        };
        create_dir(dir).map_err(io)?;
        refuse_link(&path).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = text.trim().replace('\n', ", ");
                return Err(LockError::Held {
                    dir: dir.to_path_buf(),
                    holder: if holder.is_empty() {
                        "holder unknown".into()
                    } else {
                        holder
                    },
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        // The file may have been removed by the holder that just released it; a lock on a
        // removed file guards nothing, so it is taken again on the file now at `path`.
        if !same_file(&file, &path) {
            drop(file);
            return OutputLock::acquire(dir, name, holder);
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(format!("{holder}\n").as_bytes())
            .map_err(io)?;
        Ok(OutputLock { path, file })
    }
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

impl Drop for OutputLock {
    /// Removes the lock file while still holding the lock, so no litter stays behind.
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(tag: &str) -> Vec<(PathBuf, Vec<u8>)> {
        ["charts/a.svg", "report.md", "summary.json", "report.html"]
            .iter()
            .map(|n| (PathBuf::from(n), format!("{tag} {n}").into_bytes()))
            .collect()
    }

    /// Every file under `dir`, with its content, and every name (to see litter).
    fn listing(dir: &Path) -> Vec<(String, String)> {
        let mut out = vec![];
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).expect("list") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let name = p.strip_prefix(dir).expect("inside").display().to_string();
                    out.push((name, fs::read_to_string(&p).unwrap_or_default()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn a_kill_at_any_step_leaves_the_old_set_or_the_new_one_and_no_litter() {
        let old = set("old");
        let new: Vec<_> = set("new")
            .into_iter()
            .filter(|(n, _)| n != Path::new("charts/a.svg"))
            .collect();
        let remove = vec![PathBuf::from("charts/a.svg")];
        let reference = tempfile::tempdir().expect("dir");
        write_set(reference.path(), &old, &[]).expect("old");
        let old_listing = listing(reference.path());
        write_set(reference.path(), &new, &remove).expect("new");
        let new_listing = listing(reference.path());
        assert_ne!(old_listing, new_listing);
        let mut saw_old = false;
        let mut saw_new = false;
        for steps in 0..24 {
            let tmp = tempfile::tempdir().expect("dir");
            write_set(tmp.path(), &old, &[]).expect("old");
            let stopped = write_set_stopping(tmp.path(), &new, &remove, steps);
            // A reader who trusts the manifest never takes a mix for a set: before recovery
            // there is either no manifest or one that every file matches.
            if tmp.path().join(MANIFEST).exists() {
                assert!(
                    is_whole(tmp.path()),
                    "a manifest over a mix at step {steps}"
                );
            }
            recover(tmp.path()).expect("recover");
            assert!(is_whole(tmp.path()), "after recovery at step {steps}");
            let now = listing(tmp.path());
            if now == old_listing {
                assert!(stopped.is_err(), "step {steps}");
                saw_old = true;
            } else {
                assert_eq!(now, new_listing, "after a kill at step {steps}");
                saw_new = true;
            }
        }
        assert!(saw_old && saw_new);
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_the_output_folder_are_refused_not_followed() {
        let tmp = tempfile::tempdir().expect("dir");
        let outside = tmp.path().join("outside");
        fs::create_dir(&outside).expect("outside");
        fs::write(outside.join("a.svg"), "precious").expect("precious");
        let out = tmp.path().join("out");
        fs::create_dir(&out).expect("out");
        std::os::unix::fs::symlink(&outside, out.join("charts")).expect("link");
        let err = write_set(&out, &set("new"), &[]).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(
            fs::read_to_string(outside.join("a.svg")).unwrap(),
            "precious"
        );
        // A link planted at the name of a file is replaced, never written through.
        fs::remove_file(out.join("charts")).expect("unlink");
        let victim = tmp.path().join("victim");
        fs::write(&victim, "precious").expect("victim");
        std::os::unix::fs::symlink(&victim, out.join("report.md")).expect("link");
        write_set(&out, &set("new"), &[]).expect("written");
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(
            fs::read_to_string(out.join("report.md")).unwrap(),
            "new report.md"
        );
    }

    #[test]
    fn a_second_writer_is_refused_and_told_who_holds_the_folder() {
        let tmp = tempfile::tempdir().expect("dir");
        let first =
            OutputLock::acquire(tmp.path(), ".lock", "pid 42, iotwin run a.ron").expect("first");
        let err = OutputLock::acquire(tmp.path(), ".lock", "pid 43").unwrap_err();
        assert!(
            err.to_string().contains("pid 42, iotwin run a.ron"),
            "{err}"
        );
        drop(first);
        assert!(!tmp.path().join(".lock").exists(), "no litter");
        OutputLock::acquire(tmp.path(), ".lock", "pid 43").expect("free again");
    }
}
