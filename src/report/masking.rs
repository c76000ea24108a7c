//! Every string an event carries, masked: what `Secrets::seal` runs before an event reaches
//! a reporter. Each type is taken apart field by field with no `..`, so a field added to
//! an event cannot be forgotten here: it does not compile until it is masked (or said to
//! hold no text).

use crate::report::event::{
    AssertionResult, CaptureResult, CollectionInfo, Event, ReceivedResponse, Redirect,
    RequestResult, SentRequest, TokenExchange,
};
use crate::secret::{Maskable, Secrets};

impl Maskable for Event {
    fn mask(&mut self, s: &Secrets) {
        match self {
            Event::RunStarted { collections: _ } => {}
            Event::CollectionStarted(info) => info.mask(s),
            Event::RequestStarted {
                collection: _,
                name,
            } => name.mask(s),
            Event::RequestFinished(r) => r.mask(s),
            Event::CollectionFinished { .. } | Event::RunFinished(_) => {}
        }
    }
}

impl Maskable for CollectionInfo {
    fn mask(&mut self, s: &Secrets) {
        let CollectionInfo {
            index: _,
            name,
            path: _,
            iteration: _,
        } = self;
        name.mask(s);
    }
}

impl Maskable for RequestResult {
    fn mask(&mut self, s: &Secrets) {
        let RequestResult {
            collection: _,
            collection_name,
            name,
            file: _,
            line: _,
            method,
            url,
            outcome: _,
            message,
            request,
            response,
            redirects,
            token_exchange,
            attempts: _,
            started: _,
            duration: _,
            phases: _,
            captures,
            assertions,
            notes,
            notices,
        } = self;
        for text in [collection_name, name, method, url] {
            text.mask(s);
        }
        message.mask(s);
        request.mask(s);
        response.mask(s);
        redirects.mask(s);
        token_exchange.mask(s);
        captures.mask(s);
        assertions.mask(s);
        notes.mask(s);
        notices.mask(s);
    }
}

impl Maskable for SentRequest {
    fn mask(&mut self, s: &Secrets) {
        let SentRequest {
            method,
            url,
            headers,
            body,
            body_bytes: _,
        } = self;
        method.mask(s);
        url.mask(s);
        headers.mask(s);
        body.mask(s);
    }
}

impl Maskable for Redirect {
    fn mask(&mut self, s: &Secrets) {
        let Redirect {
            method,
            url,
            headers,
            status: _,
            location,
            response_headers,
        } = self;
        for text in [method, url, location] {
            text.mask(s);
        }
        headers.mask(s);
        response_headers.mask(s);
    }
}

impl Maskable for TokenExchange {
    fn mask(&mut self, s: &Secrets) {
        let TokenExchange {
            url,
            request_headers,
            request_body,
            status: _,
            response_headers,
            response_body,
            duration: _,
        } = self;
        for text in [url, request_body, response_body] {
            text.mask(s);
        }
        request_headers.mask(s);
        response_headers.mask(s);
    }
}

impl Maskable for ReceivedResponse {
    fn mask(&mut self, s: &Secrets) {
        let ReceivedResponse {
            status: _,
            headers,
            body,
        } = self;
        headers.mask(s);
        body.mask(s);
    }
}

impl Maskable for CaptureResult {
    fn mask(&mut self, s: &Secrets) {
        let CaptureResult {
            name,
            value,
            secret: _,
            error,
        } = self;
        name.mask(s);
        value.mask(s);
        error.mask(s);
    }
}

impl Maskable for AssertionResult {
    fn mask(&mut self, s: &Secrets) {
        let AssertionResult {
            subject,
            predicate,
            passed: _,
            expected,
            actual,
            diff,
            message,
            line: _,
        } = self;
        for text in [subject, predicate, expected, actual] {
            text.mask(s);
        }
        diff.mask(s);
        message.mask(s);
    }
}
