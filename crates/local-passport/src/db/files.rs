//! Files only their owner may read: the data directory's modes.

use anyhow::Context;
use std::path::Path;

/// Sets `path`'s permission bits (Unix; elsewhere the platform's defaults stand).
pub fn restrict(path: &Path, mode: u32) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .with_context(|| format!("restricting {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Opens `path` for writing, creating it readable by the owner only (0600):
/// `fresh` fails when it exists already, otherwise an existing file is kept
/// as it is (not truncated).
pub fn open_private(path: &Path, fresh: bool) -> anyhow::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).truncate(false);
    if fresh {
        options.create_new(true);
    } else {
        options.create(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))
}
