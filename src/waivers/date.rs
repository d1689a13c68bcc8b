//! Calendar dates for waiver expiry (`expires: YYYY-MM-DD`) and the audit record: parsing with
//! a reason for every mistake, and the UTC date of a Unix day count. Pure.

use std::fmt;

/// A calendar date (proleptic Gregorian), as written in `expires:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

const MONTHS: [&str; 12] = [
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
];

/// Whether `year` has a February 29th.
pub fn is_leap_year(year: i32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The days in `month` (1–12) of `year`.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Date {
    /// A date, if it exists.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        ((1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day))
        .then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shaped {
            return Err(format!("invalid date '{text}': expected YYYY-MM-DD"));
        }
        let number = |range: std::ops::Range<usize>| -> u32 {
            text[range].parse().expect("four or two ASCII digits")
        };
        let (year, month, day) = (number(0..4), number(5..7), number(8..10));
        let year = i32::try_from(year).expect("four digits fit");
        if year == 0 {
            return Err(format!("invalid date '{text}': there is no year 0"));
        }
        if !(1..=12).contains(&month) {
            return Err(format!("invalid date '{text}': there is no month {month}"));
        }
        let last = days_in_month(year, month);
        if !(1..=last).contains(&day) {
            let name = MONTHS[month as usize - 1];
            return Err(format!(
                "invalid date '{text}': {name} {year} has {last} days"
            ));
        }
        Ok(Date { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (negative: before), as a UTC clock gives it.
    pub fn from_unix_days(days: i64) -> Date {
        // Howard Hinnant's `civil_from_days`, over 400-year eras of 146097 days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: i32::try_from(year).unwrap_or(i32::MAX),
            month: u32::try_from(month).expect("1..=12"),
            day: u32::try_from(day).expect("1..=31"),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).expect("a valid date")
    }

    #[test]
    fn dates_are_real_calendar_dates() {
        assert_eq!(
            date("2027-03-31"),
            Date {
                year: 2027,
                month: 3,
                day: 31
            }
        );
        assert_eq!(date("2024-02-29").to_string(), "2024-02-29");
        assert_eq!(date("2000-02-29").to_string(), "2000-02-29");
        assert_eq!(
            Date::parse("2023-02-29"),
            Err("invalid date '2023-02-29': February 2023 has 28 days".into())
        );
        assert_eq!(
            Date::parse("1900-02-29"),
            Err("invalid date '1900-02-29': February 1900 has 28 days".into())
        );
        assert_eq!(
            Date::parse("2027-04-31"),
            Err("invalid date '2027-04-31': April 2027 has 30 days".into())
        );
        assert_eq!(
            Date::parse("2027-13-01"),
            Err("invalid date '2027-13-01': there is no month 13".into())
        );
        assert_eq!(
            Date::parse("2027-00-10"),
            Err("invalid date '2027-00-10': there is no month 0".into())
        );
        assert!(Date::parse("2027-01-00").is_err());
        assert!(Date::parse("0000-01-01").is_err());
        for bad in [
            "2027-3-31",
            "31/03/2027",
            "2027-03-31T00:00:00Z",
            "",
            "20270331",
            "２０２７-03-31",
        ] {
            assert_eq!(
                Date::parse(bad),
                Err(format!("invalid date '{bad}': expected YYYY-MM-DD")),
                "{bad}"
            );
        }
        assert!(
            is_leap_year(2000) && is_leap_year(2024) && !is_leap_year(1900) && !is_leap_year(2023)
        );
        assert_eq!(Date::new(2023, 2, 29), None);
        assert!(date("2025-01-31") < date("2025-02-01"));
        assert!(date("2025-12-31") < date("2026-01-01"));
    }

    #[test]
    fn unix_days_become_utc_dates() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_unix_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_unix_days(19_783).to_string(), "2024-03-01");
        assert_eq!(Date::from_unix_days(20_089).to_string(), "2025-01-01");
        // Every day of four centuries round-trips through the calendar, in order.
        let mut previous = Date::from_unix_days(-1);
        for days in 0..146_097 {
            let day = Date::from_unix_days(days);
            assert_eq!(Date::new(day.year, day.month, day.day), Some(day));
            assert!(previous < day);
            previous = day;
        }
    }
}
