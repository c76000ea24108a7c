//! `--report junit=PATH`: JUnit XML for GitLab, Jenkins and friends. One testsuite per
//! collection, one testcase per request; failures carry a message and the details, and
//! system-out holds the redacted exchange. An interrupted request is an `error`.

use std::path::PathBuf;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Collected, FileReporter, exchange_text, failure_lines};
use crate::report::event::Outcome;

/// At most this much of an exchange goes into system-out.
const EXCHANGE_LIMIT: usize = 64 * 1024;

pub fn reporter(path: PathBuf) -> FileReporter {
    FileReporter::new(path, render)
}

pub fn render(c: &Collected) -> String {
    let mut report = Report::new("baton");
    report.set_time(c.summary().duration);
    for col in &c.collections {
        let mut suite = TestSuite::new(col.title());
        suite.set_time(col.duration);
        for k in &col.requests {
            let r = &k.result;
            let lines = failure_lines(r);
            let first = lines.first().cloned().unwrap_or_default();
            let status = match r.outcome {
                Outcome::Passed => TestCaseStatus::success(),
                Outcome::Skipped => {
                    let mut s = TestCaseStatus::skipped();
                    if let Some(m) = &r.message {
                        s.set_message(m.as_str());
                    }
                    s
                }
                // Stopped in flight: it neither passed nor failed, and CI must not read it as
                // a skip (SPEC 2).
                Outcome::Interrupted => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                    s.set_message("interrupted");
                    s.set_type("interrupted");
                    s
                }
                Outcome::Failed | Outcome::Error => {
                    let kind = if r.outcome == Outcome::Error {
                        NonSuccessKind::Error
                    } else {
                        NonSuccessKind::Failure
                    };
                    let mut s = TestCaseStatus::non_success(kind);
                    s.set_message(first.lines().next().unwrap_or_default());
                    let ty = if r.outcome == Outcome::Error {
                        "error"
                    } else if r.assertions.iter().any(|a| !a.passed) {
                        "expectation"
                    } else if r.captures.iter().any(|c| c.error.is_some()) {
                        "capture"
                    } else {
                        "failure"
                    };
                    s.set_type(ty);
                    s.set_description(lines.join("\n"));
                    s
                }
            };
            let mut case = TestCase::new(r.name.as_str(), status);
            case.set_classname(format!("{}", col.info.path.display()));
            case.set_time(r.duration);
            case.set_assertions(r.assertions.len());
            let exchange = exchange_text(k, EXCHANGE_LIMIT);
            if !exchange.is_empty() {
                case.set_system_out(exchange);
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let xml = report.to_string().unwrap_or_default();
    // Jenkins' junit-10.xsd allows no `skipped` on the root element (each suite keeps its count).
    match xml.find("<testsuites") {
        Some(start) => {
            let end = xml[start..].find('>').map_or(xml.len(), |e| start + e);
            let root = regex::Regex::new(r#" skipped="\d+""#)
                .map(|re| re.replace(&xml[start..end], "").into_owned())
                .unwrap_or_else(|_| xml[start..end].to_string());
            format!("{}{root}{}", &xml[..start], &xml[end..])
        }
        None => xml,
    }
}
