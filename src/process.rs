//! Resource figures of the running process (Linux `/proc/self`; `None`
//! elsewhere): what the indexer reports after a build and what the build
//! benchmark measures it by.

/// Peak resident memory so far (`VmHWM`), in bytes.
pub fn peak_resident_bytes() -> Option<u64> {
    status_bytes("VmHWM:")
}

/// Resident memory now (`VmRSS`), in bytes.
pub fn resident_bytes() -> Option<u64> {
    status_bytes("VmRSS:")
}

/// Resets the kernel's peak-resident mark to the current resident memory
/// (`clear_refs` 5), so that the next [`peak_resident_bytes`] is the peak of
/// what runs from now on.
pub fn reset_peak_resident() -> Option<()> {
    std::fs::write("/proc/self/clear_refs", "5").ok()
}

/// User + system CPU time of every thread so far, in seconds: unlike wall
/// time, other work on the machine does not inflate it.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which may hold spaces and
    // parentheses: the name ends at the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // utime and stime, fields 14 and 15 of proc(5), in clock ticks.
    let ticks = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on every Linux architecture this builds for.
    Some(ticks / 100.0)
}

/// With `LIVESEARCH_PHASE_RSS` set, prints the resident memory now and at
/// its peak so far to stderr, marked `name`: where in a build the peak is.
pub fn phase_mark(name: &str) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("LIVESEARCH_PHASE_RSS").is_some()) {
        let mb = |bytes: Option<u64>| bytes.unwrap_or(0) as f64 / 1e6;
        eprintln!(
            "rss {name}: now {:.0} MB, peak {:.0} MB",
            mb(resident_bytes()),
            mb(peak_resident_bytes())
        );
    }
}

fn status_bytes(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(key))?;
    let kib: u64 = line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn figures_of_this_process_are_read() {
        let resident = resident_bytes().unwrap();
        let peak = peak_resident_bytes().unwrap();
        assert!(resident > 0 && peak >= resident, "{resident} {peak}");
        let before = cpu_seconds().unwrap();
        // Burn a little CPU so the figure can only stay or grow.
        let sum: u64 = (0..2_000_000u64).map(std::hint::black_box).sum();
        assert!(sum > 0);
        assert!(cpu_seconds().unwrap() >= before);
    }
}
