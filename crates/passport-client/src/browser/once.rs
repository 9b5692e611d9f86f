//! A value that arrives once, from a callback, and a future that waits for it.
//!
//! Message listeners, timers and observers are callbacks; the code that sent a
//! request is an `async fn`. Whichever callback fills the cell first wins (the
//! reply, the timeout or the worker's failure), and the waiting future wakes at
//! once instead of polling on a timer.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct State<T> {
    value: Option<T>,
    taken: bool,
    waker: Option<Waker>,
}

/// The filling end; cheap to clone into callbacks.
pub struct Once<T> {
    state: Rc<RefCell<State<T>>>,
}

impl<T> Clone for Once<T> {
    fn clone(&self) -> Self {
        Once {
            state: self.state.clone(),
        }
    }
}

impl<T> Default for Once<T> {
    fn default() -> Self {
        Once {
            state: Rc::new(RefCell::new(State {
                value: None,
                taken: false,
                waker: None,
            })),
        }
    }
}

impl<T> Once<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value` unless the cell was already filled, and wakes the waiter.
    pub fn fill(&self, value: T) {
        let waker = {
            let mut state = self.state.borrow_mut();
            if state.value.is_some() || state.taken {
                return;
            }
            state.value = Some(value);
            state.waker.take()
        };
        // Woken outside the borrow: a waker may poll the future synchronously.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// A future that resolves with the first value filled in.
    pub fn wait(&self) -> Wait<T> {
        Wait {
            state: self.state.clone(),
        }
    }
}

/// Resolves with the value of a [`Once`].
pub struct Wait<T> {
    state: Rc<RefCell<State<T>>>,
}

impl<T> Future for Wait<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut state = self.state.borrow_mut();
        match state.value.take() {
            Some(value) => {
                state.taken = true;
                Poll::Ready(value)
            }
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Fills `cell` with `value` after `ms` milliseconds unless something filled it
/// first; the timer is cancelled when the returned guard is dropped.
pub fn fill_after<T: 'static>(cell: &Once<T>, ms: f64, value: T) -> gloo_timers::callback::Timeout {
    let cell = cell.clone();
    gloo_timers::callback::Timeout::new(ms.max(0.0) as u32, move || cell.fill(value))
}
