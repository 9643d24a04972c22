//! Counting the bytes on the heap: how the lessons see memory climb.
//!
//! An unbounded queue leaks memory, not tasks. To measure it the same way on every
//! operating system, the kit installs a global allocator that forwards to the system
//! allocator and keeps a running total of the bytes allocated and not yet freed.
//! Every binary linked with the kit (lessons, graders) counts; the cost is two atomic
//! additions per allocation.

#![allow(unsafe_code)] // implementing GlobalAlloc is unsafe by definition

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes allocated and not yet freed, by anyone in this process.
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The system allocator, counting.
struct CountingAllocator;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is
// only arithmetic on the side.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on as it is.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(pointer, layout) };
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let moved = unsafe { System.realloc(pointer, layout, new_size) };
        if !moved.is_null() {
            LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
            LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

/// Bytes on the heap now, allocated by this process and not yet freed.
///
/// ```
/// let before = lessons::kit::heap_bytes();
/// let block = vec![0u8; 1 << 20];
/// assert!(lessons::kit::heap_bytes() >= before + (1 << 20) - 4096);
/// drop(block);
/// ```
pub fn heap_bytes() -> usize {
    LIVE_BYTES.load(Ordering::Relaxed)
}
