//! What a reporter may read: a value every string of which went through the run's masking.
//! `Redacted` has no public constructor; only `Secrets::seal` makes one, so an unmasked
//! string cannot reach a report by construction (xh's `SecretString` is the idea).

use std::ops::Deref;

use super::Secrets;

/// A value whose every string has been masked with the run's secrets.
#[derive(Debug)]
pub struct Redacted<T>(T);

impl<T> Deref for Redacted<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Redacted<T> {
    /// The masked value itself.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// A value that can mask every string it holds.
pub trait Maskable {
    fn mask(&mut self, secrets: &Secrets);
}

impl Maskable for String {
    fn mask(&mut self, secrets: &Secrets) {
        // Most strings hold no secret: masking leaves them as they are, without a copy.
        let masked = secrets.redact(self);
        if masked != *self {
            *self = masked;
        }
    }
}

impl<T: Maskable> Maskable for Option<T> {
    fn mask(&mut self, secrets: &Secrets) {
        if let Some(v) = self {
            v.mask(secrets);
        }
    }
}

impl<T: Maskable> Maskable for Vec<T> {
    fn mask(&mut self, secrets: &Secrets) {
        for v in self {
            v.mask(secrets);
        }
    }
}

impl<A: Maskable, B: Maskable> Maskable for (A, B) {
    fn mask(&mut self, secrets: &Secrets) {
        self.0.mask(secrets);
        self.1.mask(secrets);
    }
}

impl<T: Maskable> Maskable for Box<T> {
    fn mask(&mut self, secrets: &Secrets) {
        (**self).mask(secrets);
    }
}

impl Maskable for serde_json::Value {
    fn mask(&mut self, secrets: &Secrets) {
        *self = secrets.redact_json(self);
    }
}

impl Secrets {
    /// Mask every string of `value`: the only way to make a `Redacted`.
    pub fn seal<T: Maskable>(&self, mut value: T) -> Redacted<T> {
        value.mask(self);
        Redacted(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_masks_every_string() {
        let secrets = Secrets::new();
        secrets.register("hunter2-secret");
        let v = secrets.seal(vec![(
            "Authorization".to_string(),
            Some("Bearer hunter2-secret".to_string()),
        )]);
        assert_eq!(v[0].1.as_deref(), Some("Bearer ***"));
    }
}
