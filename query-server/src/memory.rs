//! Returning freed heap memory to the operating system after a generation
//! switch. glibc's allocator keeps freed pages in its arenas; `malloc_trim`
//! releases them. Elsewhere (musl, macOS) this does nothing.

/// Asks the allocator to give free pages back to the system.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::os::raw::c_int;
        }
        // SAFETY: malloc_trim takes no pointers and only walks the
        // allocator's own free lists; it is safe to call from any thread.
        unsafe {
            malloc_trim(0);
        }
    }
}
