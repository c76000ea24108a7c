//! Reading variables in a script: what the script set them to, or their value at run time
//! when the import carries over what Newman does to them.

use serde_json::Value as Json;

use super::super::super::writer::Y;
use super::Walker;
use super::check::{Check, Target};
use super::eval::Sym;

impl Walker<'_, '_> {
    /// A variable's value: what this script set it to before (Postman reads it back at
    /// once; baton captures after its checks), else its value at run time. `None` when a
    /// statement that was not translated may have changed it.
    pub(super) fn var(&mut self, name: &str) -> Option<Sym> {
        match self.var_here(name)? {
            Here::Set(known) => known,
            Here::AtRunTime(n) => Some(Sym::Var(n)),
        }
    }

    /// `pm.environment.has(name)`: whether the variable is set.
    pub(super) fn var_set(&mut self, name: &str) -> Option<Sym> {
        match self.var_here(name)? {
            Here::Set(Some(_)) => Some(Sym::Lit(Json::Bool(true))),
            Here::Set(None) => None,
            Here::AtRunTime(n) => Some(Sym::Cond(vec![Check::new(
                Target::Var(n),
                "exists",
                Y::Bool(true),
            )])),
        }
    }

    /// What is known of a variable at this point of the script: what the script set it to,
    /// or that its value at run time is Newman's; `None` when neither holds (a statement
    /// left as a comment names it, a clear ran, or baton's run may hold another value).
    fn var_here(&mut self, name: &str) -> Option<Here> {
        if self.forgotten.contains(name) {
            return None;
        }
        let n = self.names.ident(name);
        match self.set_here.get(&n) {
            Some(known) => Some(Here::Set(known.clone())),
            None if self.cleared
                || !self
                    .around
                    .trust
                    .allows(&n, name, self.around.at, self.kind) =>
            {
                None
            }
            None => Some(Here::AtRunTime(n)),
        }
    }
}

/// What a script knows of a variable where it reads it (`var_here`).
enum Here {
    /// The script set it earlier: to this value, or to one not known at import.
    Set(Option<Sym>),
    /// Its value when the request runs, which is Newman's (the variable's name).
    AtRunTime(String),
}
