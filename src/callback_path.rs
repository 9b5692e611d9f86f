//! The login callback's route: the redirect URI's path below the base path,
//! one segment (`/redirect`) or many (`/auth/callback`, `/a/b/c/`).
//! leptos_router's `StaticSegment` holds one segment and its tuples a number
//! fixed when compiling; this path is known only once `config.json` is read.

use leptos_router::{PartialPathMatch, PathSegment, PossibleRouteMatch, StaticSegment};

/// Matches exactly the callback's segments, in order (a trailing slash is the
/// router's to accept, as for any route).
#[derive(Debug, Clone)]
pub struct CallbackPath(Vec<StaticSegment<&'static str>>);

impl CallbackPath {
    /// The route for these segments. Route paths are `'static` and this one is
    /// made once per page load, so its few bytes are leaked on purpose.
    pub fn new(segments: Vec<String>) -> Self {
        CallbackPath(
            segments
                .into_iter()
                .map(|s| StaticSegment(&*Box::leak(s.into_boxed_str())))
                .collect(),
        )
    }

    /// A route no URL matches, for a configuration with no callback here.
    pub fn none() -> Self {
        // A NUL is a segment no URL path can hold.
        CallbackPath(vec![StaticSegment("\0")])
    }
}

impl PossibleRouteMatch for CallbackPath {
    fn optional(&self) -> bool {
        false
    }

    fn test<'a>(&self, path: &'a str) -> Option<PartialPathMatch<'a>> {
        let mut remaining = path;
        for segment in &self.0 {
            remaining = segment.test(remaining)?.remaining();
        }
        let matched = &path[..path.len() - remaining.len()];
        Some(PartialPathMatch::new(remaining, Vec::new(), matched))
    }

    fn generate_path(&self, path: &mut Vec<PathSegment>) {
        for segment in &self.0 {
            segment.generate_path(path);
        }
    }
}
