use super::*;

fn b(s: &'static [u8]) -> Bytes {
    Bytes::from_static(s)
}

fn parse(input: &[u8]) -> Result<Option<(Frame, usize)>, ProtocolError> {
    parse_frame(input, &Limits::default())
}

/// Parses `input` as exactly one frame, and checks every strict prefix of it
/// is reported incomplete.
fn complete(input: &[u8]) -> Frame {
    for cut in 0..input.len() {
        assert_eq!(parse(&input[..cut]), Ok(None), "prefix of {cut} bytes");
    }
    let (frame, used) = parse(input).expect("valid").expect("complete");
    assert_eq!(used, input.len());
    frame
}

fn error(input: &[u8]) -> ProtocolError {
    parse(input).expect_err("invalid")
}

#[test]
fn resp2_types() {
    assert_eq!(complete(b"+OK\r\n"), Frame::Simple(b(b"OK")));
    assert_eq!(complete(b"+\r\n"), Frame::Simple(Bytes::new()));
    assert_eq!(complete(b"-ERR no\r\n"), Frame::Error(b(b"ERR no")));
    assert_eq!(complete(b":-42\r\n"), Frame::Integer(-42));
    assert_eq!(complete(b"$5\r\nhe\r\no\r\n"), Frame::Bulk(b(b"he\r\no")));
    assert_eq!(complete(b"$0\r\n\r\n"), Frame::Bulk(Bytes::new()));
    assert_eq!(complete(b"$-1\r\n"), Frame::Null);
    assert_eq!(complete(b"*-1\r\n"), Frame::Null);
    assert_eq!(complete(b"*0\r\n"), Frame::Array(vec![]));
    assert_eq!(
        complete(b"*3\r\n:1\r\n*1\r\n+a\r\n$-1\r\n"),
        Frame::Array(vec![
            Frame::Integer(1),
            Frame::Array(vec![Frame::Simple(b(b"a"))]),
            Frame::Null
        ])
    );
}

#[test]
fn resp3_types() {
    assert_eq!(complete(b"_\r\n"), Frame::Null);
    assert_eq!(complete(b",1.5\r\n"), Frame::Double(1.5));
    assert_eq!(complete(b",-2\r\n"), Frame::Double(-2.0));
    assert_eq!(complete(b",1e+100\r\n"), Frame::Double(1e100));
    assert_eq!(complete(b",inf\r\n"), Frame::Double(f64::INFINITY));
    assert_eq!(complete(b",-inf\r\n"), Frame::Double(f64::NEG_INFINITY));
    assert!(matches!(complete(b",nan\r\n"), Frame::Double(v) if v.is_nan()));
    assert!(matches!(complete(b",-nan\r\n"), Frame::Double(v) if v.is_nan()));
    assert_eq!(complete(b"#t\r\n"), Frame::Boolean(true));
    assert_eq!(complete(b"#f\r\n"), Frame::Boolean(false));
    assert_eq!(
        complete(b"(3492890328409238509324850943850943825024385\r\n"),
        Frame::BigNumber(b(b"3492890328409238509324850943850943825024385"))
    );
    assert_eq!(complete(b"(-1\r\n"), Frame::BigNumber(b(b"-1")));
    assert_eq!(
        complete(b"!21\r\nSYNTAX invalid syntax\r\n"),
        Frame::Error(b(b"SYNTAX invalid syntax"))
    );
    assert_eq!(
        complete(b"=15\r\ntxt:Some string\r\n"),
        Frame::Verbatim {
            format: b(b"txt"),
            text: b(b"Some string")
        }
    );
    assert_eq!(
        complete(b"=4\r\nmkd:\r\n"),
        Frame::Verbatim {
            format: b(b"mkd"),
            text: Bytes::new()
        }
    );
    assert_eq!(
        complete(b"%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n"),
        Frame::Map(vec![
            (Frame::Simple(b(b"first")), Frame::Integer(1)),
            (Frame::Simple(b(b"second")), Frame::Integer(2)),
        ])
    );
    assert_eq!(
        complete(b"~3\r\n+a\r\n+b\r\n#t\r\n"),
        Frame::Set(vec![
            Frame::Simple(b(b"a")),
            Frame::Simple(b(b"b")),
            Frame::Boolean(true)
        ])
    );
    assert_eq!(
        complete(b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"),
        Frame::Push(vec![
            Frame::Bulk(b(b"message")),
            Frame::Bulk(b(b"ch")),
            Frame::Bulk(b(b"hi"))
        ])
    );
    assert_eq!(
        complete(b"|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.1923\r\n"),
        Frame::Attribute(vec![(
            Frame::Simple(b(b"key-popularity")),
            Frame::Map(vec![(Frame::Bulk(b(b"a")), Frame::Double(0.1923))]),
        )])
    );
}

#[test]
fn attribute_is_followed_by_its_reply() {
    let input = b"|1\r\n+ttl\r\n:3\r\n*1\r\n:7\r\n";
    let (attr, used) = parse(input).unwrap().unwrap();
    assert!(matches!(attr, Frame::Attribute(_)));
    assert_eq!(
        parse(&input[used..]),
        Ok(Some((Frame::Array(vec![Frame::Integer(7)]), 8)))
    );
}

#[test]
fn parse_is_not_consuming_and_reports_the_first_frame_length() {
    let input = b"+OK\r\n:1\r\n";
    assert_eq!(parse(input), Ok(Some((Frame::Simple(b(b"OK")), 5))));
    assert_eq!(parse(&input[5..]), Ok(Some((Frame::Integer(1), 4))));
    assert_eq!(parse(b""), Ok(None));
}

#[test]
fn a_lone_cr_does_not_end_a_line() {
    assert_eq!(complete(b"+a\rb\r\n"), Frame::Simple(b(b"a\rb")));
    assert_eq!(complete(b"-a\r\r\n"), Frame::Error(b(b"a\r")));
}

#[test]
fn invalid_type_byte() {
    assert_eq!(error(b"x\r\n"), ProtocolError::InvalidTypeByte(b'x'));
    assert_eq!(
        ProtocolError::InvalidTypeByte(b'x').to_string(),
        "Protocol error: got 'x' as reply type byte"
    );
    assert_eq!(error(b"*1\r\n?\r\n"), ProtocolError::InvalidTypeByte(b'?'));
}

#[test]
fn invalid_scalars() {
    let cases: [(&[u8], ProtocolError, &str); 12] = [
        (
            b":1.5\r\n",
            ProtocolError::InvalidInteger,
            "invalid integer",
        ),
        (b":\r\n", ProtocolError::InvalidInteger, "invalid integer"),
        (
            b":9223372036854775808\r\n",
            ProtocolError::InvalidInteger,
            "invalid integer",
        ),
        (b",\r\n", ProtocolError::InvalidDouble, "invalid double"),
        (b",1x\r\n", ProtocolError::InvalidDouble, "invalid double"),
        (b"#x\r\n", ProtocolError::InvalidBoolean, "invalid boolean"),
        (b"#\r\n", ProtocolError::InvalidBoolean, "invalid boolean"),
        (
            b"(12a\r\n",
            ProtocolError::InvalidBigNumber,
            "invalid big number",
        ),
        (
            b"(-\r\n",
            ProtocolError::InvalidBigNumber,
            "invalid big number",
        ),
        (
            b"=3\r\ntxt\r\n",
            ProtocolError::InvalidVerbatim,
            "invalid verbatim string",
        ),
        (
            b"=5\r\ntxt;a\r\n",
            ProtocolError::InvalidVerbatim,
            "invalid verbatim string",
        ),
        (b"_x\r\n", ProtocolError::InvalidNull, "invalid null"),
    ];
    for (input, want, text) in cases {
        assert_eq!(error(input), want, "{:?}", String::from_utf8_lossy(input));
        assert_eq!(want.to_string(), format!("Protocol error: {text}"));
    }
}

#[test]
fn invalid_lengths() {
    for input in [
        &b"$x\r\n"[..],
        b"$-2\r\n",
        b"$\r\n",
        b"!-1\r\n",
        b"=-1\r\n",
        b"$?\r\n",
    ] {
        assert_eq!(
            error(input),
            ProtocolError::InvalidBulkLength,
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
    for input in [
        &b"*x\r\n"[..],
        b"*-2\r\n",
        b"%-1\r\n",
        b"~-1\r\n",
        b">-1\r\n",
        b"|-1\r\n",
        b"*?\r\n",
    ] {
        assert_eq!(error(input), ProtocolError::InvalidMultibulkLength);
    }
    assert_eq!(
        error(b"$3\r\nabcd\r\n"),
        ProtocolError::MissingBulkTerminator
    );
    assert_eq!(
        ProtocolError::MissingBulkTerminator.to_string(),
        "Protocol error: bulk data not followed by CRLF"
    );
}

#[test]
fn lengths_are_checked_against_limits_before_use() {
    let limits = Limits {
        max_bulk_len: 4,
        max_multibulk_len: 2,
        max_inline_len: 8,
    };
    assert_eq!(
        parse_frame(b"$5\r\n", &limits),
        Err(ProtocolError::InvalidBulkLength)
    );
    assert_eq!(
        parse_frame(b"*3\r\n", &limits),
        Err(ProtocolError::InvalidMultibulkLength)
    );
    assert_eq!(
        parse_frame(b"%3\r\n", &limits),
        Err(ProtocolError::InvalidMultibulkLength)
    );
    // A huge declared length within the limits only waits for its bytes.
    assert_eq!(parse(b"*1048576\r\n:1\r\n"), Ok(None));
    assert_eq!(parse(b"$536870912\r\nabc"), Ok(None));
}

#[test]
fn a_line_longer_than_the_inline_limit_is_an_error() {
    let limits = Limits {
        max_inline_len: 8,
        ..Limits::default()
    };
    assert_eq!(
        parse_frame(b"+12345678\r\n", &limits).unwrap().unwrap().1,
        11
    );
    assert_eq!(parse_frame(b"+12345678", &limits), Ok(None));
    assert_eq!(parse_frame(b"+123456789", &limits), Ok(None));
    assert_eq!(
        parse_frame(b"+123456789\r", &limits),
        Err(ProtocolError::TooBigLine)
    );
    assert_eq!(
        parse_frame(b"+123456789\r\n", &limits),
        Err(ProtocolError::TooBigLine)
    );
    assert_eq!(
        ProtocolError::TooBigLine.to_string(),
        "Protocol error: too big line"
    );
}

#[test]
fn nesting_is_bounded() {
    let mut deep = Vec::new();
    for _ in 0..MAX_DEPTH {
        deep.extend_from_slice(b"*1\r\n");
    }
    deep.extend_from_slice(b":1\r\n");
    assert!(matches!(parse(&deep), Ok(Some(_))));
    let mut too_deep = b"*1\r\n".to_vec();
    too_deep.extend_from_slice(&deep);
    assert_eq!(parse(&too_deep), Err(ProtocolError::NestingTooDeep));
    assert_eq!(
        ProtocolError::NestingTooDeep.to_string(),
        "Protocol error: reply nested too deep"
    );
    let mut maps = Vec::new();
    for _ in 0..=MAX_DEPTH {
        maps.extend_from_slice(b"%1\r\n");
    }
    assert_eq!(parse(&maps), Err(ProtocolError::NestingTooDeep));
}

#[test]
fn aggregate_reservation_is_bounded_by_the_bytes_present() {
    let mut parser = Parser {
        buf: b"*1048576\r\n:1\r\n",
        pos: 10,
        limits: &Limits::default(),
    };
    assert_eq!(parser.capacity(1024 * 1024, MIN_FRAME_BYTES), 1);
    parser.pos = 14;
    assert_eq!(parser.capacity(1024 * 1024, MIN_FRAME_BYTES), 0);
}
