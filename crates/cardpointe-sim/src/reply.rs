//! What a handler answers, before rendering (so chaos mode can shuffle it and faults can
//! spoil it).

use std::time::Duration;

use crate::wire::Obj;

/// The body of a reply.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// One JSON object.
    Obj(Obj),
    /// A JSON array of objects.
    Array(Vec<Obj>),
    /// Text with its own content type (HTML greeting, `Null batches`, 401 page).
    Text(&'static str, String),
}

/// A handler's answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Body,
    pub(crate) headers: Vec<(&'static str, String)>,
    /// Wait this long before answering (timeout cards, delay faults).
    pub(crate) delay: Option<Duration>,
}

impl Reply {
    pub(crate) fn obj(obj: Obj) -> Self {
        Self {
            status: 200,
            body: Body::Obj(obj),
            headers: Vec::new(),
            delay: None,
        }
    }

    pub(crate) fn array(items: Vec<Obj>) -> Self {
        Self {
            status: 200,
            body: Body::Array(items),
            headers: Vec::new(),
            delay: None,
        }
    }

    pub(crate) fn text(status: u16, content_type: &'static str, text: impl Into<String>) -> Self {
        Self {
            status,
            body: Body::Text(content_type, text.into()),
            headers: Vec::new(),
            delay: None,
        }
    }

    pub(crate) fn status_obj(status: u16, obj: Obj) -> Self {
        Self {
            status,
            body: Body::Obj(obj),
            headers: Vec::new(),
            delay: None,
        }
    }
}
