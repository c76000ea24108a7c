//! `fake(KIND)`: realistic test data for every kind Postman's `{{$random...}}` dynamic
//! variables offer, named as Postman names them without `$random` (matched without regard to
//! case, so `fake('firstName')` and `fake('FirstName')` are one kind), plus `isoTimestamp`.
//! Names, places, companies and words come from the `fake` crate; what it lacks (IBANs,
//! image URLs, database words) is made here.

use fake::Fake as _;
use fake::faker::{
    address::en as addr, company::en as co, currency::en as cur, filesystem::en as fs,
    finance::en as fin, internet::en as net, job::en as job, lorem::en as lorem, name::en as name,
    phone_number::en as phone,
};
use minijinja::Value as MjValue;
use rand::Rng as _;
use rand::seq::IndexedRandom as _;

/// Every kind, in Postman's order, spelled as `fake()` takes it.
pub const KINDS: &[&str] = &[
    "uuid",
    "isoTimestamp",
    "alphaNumeric",
    "boolean",
    "int",
    "color",
    "hexColor",
    "abbreviation",
    "ip",
    "ipv6",
    "macAddress",
    "password",
    "locale",
    "userAgent",
    "protocol",
    "semver",
    "firstName",
    "lastName",
    "fullName",
    "namePrefix",
    "nameSuffix",
    "jobArea",
    "jobDescriptor",
    "jobTitle",
    "jobType",
    "phoneNumber",
    "phoneNumberExt",
    "city",
    "streetName",
    "streetAddress",
    "country",
    "countryCode",
    "latitude",
    "longitude",
    "avatarImage",
    "imageUrl",
    "abstractImage",
    "animalsImage",
    "businessImage",
    "catsImage",
    "cityImage",
    "foodImage",
    "nightlifeImage",
    "fashionImage",
    "peopleImage",
    "natureImage",
    "sportsImage",
    "transportImage",
    "imageDataUri",
    "bankAccount",
    "bankAccountName",
    "creditCardMask",
    "bankAccountBic",
    "bankAccountIban",
    "iban",
    "transactionType",
    "currencyCode",
    "currencyName",
    "currencySymbol",
    "bitcoin",
    "companyName",
    "companySuffix",
    "bs",
    "bsAdjective",
    "bsBuzz",
    "bsNoun",
    "catchPhrase",
    "catchPhraseAdjective",
    "catchPhraseDescriptor",
    "catchPhraseNoun",
    "databaseColumn",
    "databaseType",
    "databaseCollation",
    "databaseEngine",
    "dateFuture",
    "datePast",
    "dateRecent",
    "weekday",
    "month",
    "domainName",
    "domainSuffix",
    "domainWord",
    "email",
    "exampleEmail",
    "userName",
    "url",
    "fileName",
    "fileType",
    "fileExt",
    "commonFileName",
    "commonFileType",
    "commonFileExt",
    "filePath",
    "directoryPath",
    "mimeType",
    "price",
    "product",
    "productAdjective",
    "productMaterial",
    "productName",
    "department",
    "noun",
    "verb",
    "ingverb",
    "adjective",
    "word",
    "words",
    "phrase",
    "loremWord",
    "loremWords",
    "loremSentence",
    "loremSentences",
    "loremParagraph",
    "loremParagraphs",
    "loremText",
    "loremSlug",
    "loremLines",
];

/// The kind as `KINDS` spells it, if `kind` names one (any case).
pub fn canonical(kind: &str) -> Option<&'static str> {
    KINDS.iter().copied().find(|k| k.eq_ignore_ascii_case(kind))
}

/// Why `kind` is not a kind, with the nearest one.
pub fn unknown(kind: &str) -> String {
    let lower: Vec<String> = KINDS.iter().map(|k| k.to_ascii_lowercase()).collect();
    let near = crate::problem::source::did_you_mean(
        &kind.to_ascii_lowercase(),
        lower.iter().map(String::as_str),
    )
    .and_then(|l| KINDS.iter().find(|k| k.eq_ignore_ascii_case(l)));
    match near {
        Some(k) => format!("`fake('{kind}')`: unknown kind (did you mean `{k}`?)"),
        None => format!(
            "`fake('{kind}')`: unknown kind (kinds are Postman's `$random...` names without `$random`, e.g. email, firstName, city, iban)"
        ),
    }
}

/// A fresh value of that kind: a boolean for `boolean`, a number for `int`, text otherwise.
pub fn value(kind: &str) -> Option<MjValue> {
    let kind = canonical(kind)?;
    let mut rng = rand::rng();
    Some(match kind {
        "boolean" => MjValue::from(rng.random_bool(0.5)),
        "int" => MjValue::from(rng.random_range(0..=1000)),
        _ => MjValue::from(text(kind)),
    })
}

fn text(kind: &str) -> String {
    people(kind)
        .or_else(|| internet(kind))
        .or_else(|| business(kind))
        .or_else(|| store(kind))
        .or_else(|| database(kind))
        .or_else(|| files_and_dates(kind))
        .or_else(|| images(kind))
        .unwrap_or_else(|| words(kind))
}

fn pick(list: &[&str]) -> String {
    list.choose(&mut rand::rng())
        .copied()
        .unwrap_or_default()
        .to_string()
}

fn digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn people(kind: &str) -> Option<String> {
    Some(match kind {
        "firstName" => name::FirstName().fake(),
        "lastName" => name::LastName().fake(),
        "fullName" => name::Name().fake(),
        "namePrefix" => name::Title().fake(),
        "nameSuffix" => name::Suffix().fake(),
        "jobArea" => job::Field().fake(),
        "jobDescriptor" => job::Seniority().fake(),
        "jobTitle" => job::Title().fake(),
        "jobType" => job::Position().fake(),
        "phoneNumber" => phone::PhoneNumber().fake(),
        "phoneNumberExt" => format!("{}-{}", digits(2), phone::PhoneNumber().fake::<String>()),
        "city" => addr::CityName().fake(),
        "streetName" => addr::StreetName().fake(),
        "streetAddress" => format!(
            "{} {}",
            addr::BuildingNumber().fake::<String>(),
            addr::StreetName().fake::<String>()
        ),
        "country" => addr::CountryName().fake(),
        "countryCode" => addr::CountryCode().fake(),
        "latitude" => format!("{:.4}", rand::rng().random_range(-90.0..90.0f64)),
        "longitude" => format!("{:.4}", rand::rng().random_range(-180.0..180.0f64)),
        "locale" => pick(&["en", "de", "fr", "es", "it", "nl", "pt", "sv", "ja", "zh"]),
        _ => return None,
    })
}

fn internet(kind: &str) -> Option<String> {
    let mut rng = rand::rng();
    Some(match kind {
        "uuid" => uuid::Uuid::new_v4().to_string(),
        "isoTimestamp" => jiff::Timestamp::now().to_string(),
        "alphaNumeric" => {
            let set = b"abcdefghijklmnopqrstuvwxyz0123456789";
            char::from(set[rng.random_range(0..set.len())]).to_string()
        }
        "ip" => net::IPv4().fake::<std::net::Ipv4Addr>().to_string(),
        "ipv6" => net::IPv6().fake::<std::net::Ipv6Addr>().to_string(),
        "macAddress" => net::MACAddress().fake(),
        "password" => net::Password(15..16).fake(),
        "userAgent" => net::UserAgent().fake(),
        "protocol" => pick(&["http", "https"]),
        "semver" => fs::Semver().fake(),
        "domainName" => format!("{}.{}", domain_word(), net::DomainSuffix().fake::<String>()),
        "domainSuffix" => net::DomainSuffix().fake(),
        "domainWord" => domain_word(),
        "email" => net::FreeEmail().fake(),
        "exampleEmail" => format!("{}@example.com", net::Username().fake::<String>()),
        "userName" => net::Username().fake(),
        "url" => format!(
            "https://{}.{}",
            domain_word(),
            net::DomainSuffix().fake::<String>()
        ),
        "color" => pick(&[
            "red", "orange", "yellow", "green", "blue", "indigo", "violet", "black", "white",
            "gold", "silver", "teal", "maroon", "olive", "lime", "navy", "purple", "pink",
        ]),
        "hexColor" => format!("#{:06x}", rng.random_range(0..0x100_0000u32)),
        "abbreviation" => pick(&[
            "SQL", "PCI", "JSON", "XML", "HTTP", "SMTP", "TCP", "SSL", "RSS", "FTP", "CSS", "USB",
            "PNG", "EXE", "HDD", "RAM", "SMS", "AI",
        ]),
        _ => return None,
    })
}

fn domain_word() -> String {
    let w: String = co::CompanyName().fake();
    let w: String = w
        .split_whitespace()
        .next()
        .unwrap_or("baton")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    w.to_ascii_lowercase()
}

fn business(kind: &str) -> Option<String> {
    Some(match kind {
        "bankAccount" => digits(8),
        "bankAccountName" => pick(&[
            "Checking Account",
            "Savings Account",
            "Money Market Account",
            "Investment Account",
            "Credit Card Account",
            "Personal Loan Account",
            "Home Loan Account",
        ]),
        "creditCardMask" => digits(4),
        "bankAccountBic" => fin::Bic().fake(),
        "bankAccountIban" | "iban" => iban(),
        "transactionType" => pick(&["deposit", "withdrawal", "payment", "invoice"]),
        "currencyCode" => cur::CurrencyCode().fake(),
        "currencyName" => cur::CurrencyName().fake(),
        "currencySymbol" => cur::CurrencySymbol().fake(),
        "bitcoin" => bitcoin(),
        "companyName" => co::CompanyName().fake(),
        "companySuffix" => co::CompanySuffix().fake(),
        "bs" => co::Bs().fake(),
        "bsAdjective" => co::BsAdj().fake(),
        "bsBuzz" => co::BsVerb().fake(),
        "bsNoun" => co::BsNoun().fake(),
        "catchPhrase" => co::CatchPhrase().fake(),
        "catchPhraseAdjective" => co::Buzzword().fake(),
        "catchPhraseDescriptor" => co::BuzzwordMiddle().fake(),
        "catchPhraseNoun" => co::BuzzwordTail().fake(),
        _ => return None,
    })
}

fn store(kind: &str) -> Option<String> {
    Some(match kind {
        "price" => format!("{:.2}", rand::rng().random_range(1.0..1000.0f64)),
        "product" => pick(PRODUCTS),
        "productAdjective" => pick(PRODUCT_ADJECTIVES),
        "productMaterial" => pick(MATERIALS),
        "productName" => format!(
            "{} {} {}",
            pick(PRODUCT_ADJECTIVES),
            pick(MATERIALS),
            pick(PRODUCTS)
        ),
        "department" => pick(&[
            "Books",
            "Movies",
            "Music",
            "Games",
            "Electronics",
            "Computers",
            "Home",
            "Garden",
            "Tools",
            "Grocery",
            "Health",
            "Beauty",
            "Toys",
            "Kids",
            "Baby",
            "Clothing",
            "Shoes",
            "Sports",
            "Outdoors",
            "Automotive",
            "Industrial",
        ]),
        _ => return None,
    })
}

fn database(kind: &str) -> Option<String> {
    Some(match kind {
        "databaseColumn" => pick(&[
            "id",
            "title",
            "name",
            "email",
            "phone",
            "token",
            "group",
            "category",
            "password",
            "comment",
            "avatar",
            "status",
            "createdAt",
            "updatedAt",
        ]),
        "databaseType" => pick(&[
            "int",
            "varchar",
            "text",
            "date",
            "datetime",
            "tinyint",
            "time",
            "timestamp",
            "smallint",
            "mediumint",
            "bigint",
            "decimal",
            "float",
            "double",
            "real",
            "bit",
            "boolean",
            "serial",
            "blob",
            "binary",
            "enum",
            "set",
            "geometry",
            "point",
        ]),
        "databaseCollation" => pick(&[
            "utf8_unicode_ci",
            "utf8_general_ci",
            "utf8_bin",
            "ascii_bin",
            "ascii_general_ci",
            "cp1250_bin",
            "cp1250_general_ci",
        ]),
        "databaseEngine" => pick(&["InnoDB", "MyISAM", "MEMORY", "CSV", "BLACKHOLE", "ARCHIVE"]),
        _ => return None,
    })
}

const PRODUCTS: &[&str] = &[
    "Chair", "Car", "Computer", "Keyboard", "Mouse", "Bike", "Ball", "Gloves", "Pants", "Shirt",
    "Table", "Shoes", "Hat", "Towels", "Soap", "Tuna", "Chicken", "Fish", "Cheese", "Bacon",
    "Pizza", "Salad", "Sausages", "Chips",
];
const PRODUCT_ADJECTIVES: &[&str] = &[
    "Small",
    "Ergonomic",
    "Rustic",
    "Intelligent",
    "Gorgeous",
    "Incredible",
    "Fantastic",
    "Practical",
    "Sleek",
    "Awesome",
    "Generic",
    "Handcrafted",
    "Handmade",
    "Licensed",
    "Refined",
    "Unbranded",
    "Tasty",
];
const MATERIALS: &[&str] = &[
    "Steel", "Wooden", "Concrete", "Plastic", "Cotton", "Granite", "Rubber", "Metal", "Soft",
    "Fresh", "Frozen",
];

/// A German IBAN with a valid ISO 7064 check (mod 97), so validating servers accept it.
fn iban() -> String {
    let bban = digits(18);
    // `DE00` moved to the end, letters as numbers: D = 13, E = 14.
    let rearranged = format!("{bban}131400");
    let rem = rearranged
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
    format!("DE{:02}{bban}", 98 - rem)
}

fn bitcoin() -> String {
    let set = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut rng = rand::rng();
    let tail: String = (0..33)
        .map(|_| char::from(set[rng.random_range(0..set.len())]))
        .collect();
    format!("{}{tail}", if rng.random_bool(0.5) { "1" } else { "3" })
}

fn files_and_dates(kind: &str) -> Option<String> {
    let now = jiff::Timestamp::now();
    let days =
        |lo: i64, hi: i64| jiff::SignedDuration::from_hours(24 * rand::rng().random_range(lo..hi));
    Some(match kind {
        "fileName" | "commonFileName" => fs::FileName().fake(),
        "fileType" | "commonFileType" => pick(&["application", "audio", "image", "text", "video"]),
        "fileExt" | "commonFileExt" => fs::FileExtension().fake(),
        "filePath" => fs::FilePath().fake(),
        "directoryPath" => fs::DirPath().fake(),
        "mimeType" => fs::MimeType().fake(),
        "dateFuture" => now.saturating_add(days(1, 365)).ok()?.to_string(),
        "datePast" => now.saturating_sub(days(1, 365)).ok()?.to_string(),
        "dateRecent" => now.saturating_sub(days(0, 2)).ok()?.to_string(),
        "weekday" => pick(&[
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ]),
        "month" => pick(&[
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ]),
        _ => return None,
    })
}

fn images(kind: &str) -> Option<String> {
    let topic = match kind {
        "avatarImage" => {
            return Some(format!(
                "https://i.pravatar.cc/128?u={}",
                uuid::Uuid::new_v4().simple()
            ));
        }
        // A 1x1 transparent PNG.
        "imageDataUri" => {
            return Some("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=".into());
        }
        "imageUrl" => "any",
        "abstractImage" => "abstract",
        "animalsImage" => "animals",
        "businessImage" => "business",
        "catsImage" => "cats",
        "cityImage" => "city",
        "foodImage" => "food",
        "nightlifeImage" => "nightlife",
        "fashionImage" => "fashion",
        "peopleImage" => "people",
        "natureImage" => "nature",
        "sportsImage" => "sports",
        "transportImage" => "transport",
        _ => return None,
    };
    Some(format!("https://loremflickr.com/640/480/{topic}"))
}

fn words(kind: &str) -> String {
    let sentence = |n: std::ops::Range<usize>| -> String { lorem::Sentence(n).fake() };
    match kind {
        "noun" => co::BsNoun().fake(),
        "verb" => co::BsVerb().fake(),
        "ingverb" => format!("{}ing", co::BsVerb().fake::<String>().trim_end_matches('e')),
        "adjective" => co::BsAdj().fake(),
        "phrase" => co::CatchPhrase().fake(),
        "loremWords" | "words" => lorem::Words(3..4).fake::<Vec<String>>().join(" "),
        "loremSentence" => sentence(4..10),
        "loremSentences" => lorem::Sentences(2..6).fake::<Vec<String>>().join(" "),
        "loremParagraph" | "loremText" => lorem::Paragraph(3..6).fake(),
        "loremParagraphs" => lorem::Paragraphs(3..4).fake::<Vec<String>>().join("\n \r"),
        "loremSlug" => lorem::Words(3..4).fake::<Vec<String>>().join("-"),
        "loremLines" => lorem::Sentences(1..5).fake::<Vec<String>>().join("\n"),
        // `word`, `loremWord`
        _ => lorem::Word().fake(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_gives_a_value() {
        for kind in KINDS {
            let v = value(kind).unwrap_or_else(|| panic!("{kind}"));
            assert!(!v.to_string().is_empty(), "{kind}");
        }
        assert_eq!(canonical("FirstName"), Some("firstName"));
        assert_eq!(canonical("UUID"), Some("uuid"));
        assert!(value("nope").is_none());
        assert!(unknown("emial").contains("did you mean `email`?"));
    }

    #[test]
    fn ibans_have_a_valid_check() {
        for _ in 0..50 {
            let i = iban();
            let moved = format!("{}{}", &i[4..], "1314") + &i[2..4];
            let rem = moved
                .bytes()
                .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97);
            assert_eq!(rem, 1, "{i}");
        }
    }
}
