use super::*;
use crate::frame::parse_frame;
use crate::request::{Limits, RequestParser};
use bytes::Bytes;

fn written(f: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
    let mut out = BytesMut::new();
    f(&mut out);
    out.to_vec()
}

/// The frame `bytes` parse to, checking it uses every byte.
fn parsed(bytes: &[u8]) -> Frame {
    let (frame, used) = parse_frame(bytes, &Limits::default())
        .expect("valid")
        .expect("complete");
    assert_eq!(used, bytes.len());
    frame
}

#[test]
fn simple_error_integer_bulk() {
    assert_eq!(written(|o| write_simple(o, b"OK")), b"+OK\r\n");
    assert_eq!(written(|o| write_error(o, b"ERR bad")), b"-ERR bad\r\n");
    assert_eq!(
        written(|o| write_error(o, b"ERR a\r\nb\rc\n")),
        b"-ERR a  b c \r\n"
    );
    assert_eq!(written(|o| write_integer(o, 0)), b":0\r\n");
    assert_eq!(written(|o| write_integer(o, -7)), b":-7\r\n");
    assert_eq!(
        written(|o| write_integer(o, i64::MIN)),
        b":-9223372036854775808\r\n"
    );
    assert_eq!(
        written(|o| write_integer(o, i64::MAX)),
        b":9223372036854775807\r\n"
    );
    assert_eq!(written(|o| write_bulk(o, b"")), b"$0\r\n\r\n");
    assert_eq!(written(|o| write_bulk(o, b"a\r\nb")), b"$4\r\na\r\nb\r\n");
}

#[test]
fn nulls_per_protocol() {
    assert_eq!(written(|o| write_null(o, Proto::Resp2)), b"$-1\r\n");
    assert_eq!(written(|o| write_null(o, Proto::Resp3)), b"_\r\n");
    assert_eq!(written(|o| write_null_array(o, Proto::Resp2)), b"*-1\r\n");
    assert_eq!(written(|o| write_null_array(o, Proto::Resp3)), b"_\r\n");
}

#[test]
fn aggregate_headers_per_protocol() {
    assert_eq!(written(|o| write_array_len(o, 3)), b"*3\r\n");
    assert_eq!(written(|o| write_map_len(o, Proto::Resp2, 2)), b"*4\r\n");
    assert_eq!(written(|o| write_map_len(o, Proto::Resp3, 2)), b"%2\r\n");
    assert_eq!(written(|o| write_set_len(o, Proto::Resp2, 5)), b"*5\r\n");
    assert_eq!(written(|o| write_set_len(o, Proto::Resp3, 5)), b"~5\r\n");
    assert_eq!(written(|o| write_push_len(o, Proto::Resp2, 3)), b"*3\r\n");
    assert_eq!(written(|o| write_push_len(o, Proto::Resp3, 3)), b">3\r\n");
}

#[test]
fn doubles_bools_verbatim_per_protocol() {
    assert_eq!(written(|o| write_double(o, Proto::Resp3, 1.5)), b",1.5\r\n");
    assert_eq!(
        written(|o| write_double(o, Proto::Resp2, 1.5)),
        b"$3\r\n1.5\r\n"
    );
    assert_eq!(
        written(|o| write_double(o, Proto::Resp3, f64::INFINITY)),
        b",inf\r\n"
    );
    assert_eq!(
        written(|o| write_double(o, Proto::Resp3, f64::NEG_INFINITY)),
        b",-inf\r\n"
    );
    assert_eq!(
        written(|o| write_double(o, Proto::Resp3, f64::NAN)),
        b",nan\r\n"
    );
    assert_eq!(
        written(|o| write_double(o, Proto::Resp2, f64::INFINITY)),
        b"$3\r\ninf\r\n"
    );
    assert_eq!(
        written(|o| write_double(o, Proto::Resp2, f64::NEG_INFINITY)),
        b"$4\r\n-inf\r\n"
    );
    assert_eq!(
        written(|o| write_double(o, Proto::Resp2, 1.1)),
        b"$18\r\n1.1000000000000001\r\n"
    );
    assert_eq!(written(|o| write_bool(o, Proto::Resp3, true)), b"#t\r\n");
    assert_eq!(written(|o| write_bool(o, Proto::Resp3, false)), b"#f\r\n");
    assert_eq!(written(|o| write_bool(o, Proto::Resp2, true)), b":1\r\n");
    assert_eq!(written(|o| write_bool(o, Proto::Resp2, false)), b":0\r\n");
    assert_eq!(
        written(|o| write_verbatim(o, Proto::Resp3, b"txt", b"Some string")),
        b"=15\r\ntxt:Some string\r\n"
    );
    assert_eq!(
        written(|o| write_verbatim(o, Proto::Resp2, b"txt", b"Some string")),
        b"$11\r\nSome string\r\n"
    );
}

#[test]
fn command_encoding_is_the_replication_stream_format() {
    assert_eq!(
        written(|o| write_command(o, &["SET", "k", "v"])),
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n"
    );
    assert_eq!(written(|o| write_command::<&[u8]>(o, &[])), b"*0\r\n");
}

#[test]
fn command_encoding_round_trips_through_the_request_parser() {
    let args: Vec<Bytes> = vec![
        Bytes::from_static(b"SET"),
        Bytes::new(),
        Bytes::from_static(b"\r\n\0\"' x"),
        Bytes::from(vec![0xAB; 70_000]),
    ];
    let mut buf = BytesMut::new();
    write_command(&mut buf, &args);
    let got = RequestParser::new()
        .parse(&mut buf, &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(got, args);
    assert!(buf.is_empty());
}

#[test]
fn every_writer_round_trips_through_parse_frame() {
    let cases: Vec<(Vec<u8>, Frame)> = vec![
        (
            written(|o| write_simple(o, b"OK")),
            Frame::Simple(Bytes::from_static(b"OK")),
        ),
        (
            written(|o| write_error(o, b"ERR x")),
            Frame::Error(Bytes::from_static(b"ERR x")),
        ),
        (written(|o| write_integer(o, -3)), Frame::Integer(-3)),
        (
            written(|o| write_bulk(o, b"a\r\n")),
            Frame::Bulk(Bytes::from_static(b"a\r\n")),
        ),
        (written(|o| write_null(o, Proto::Resp2)), Frame::Null),
        (written(|o| write_null(o, Proto::Resp3)), Frame::Null),
        (written(|o| write_null_array(o, Proto::Resp2)), Frame::Null),
        (written(|o| write_null_array(o, Proto::Resp3)), Frame::Null),
        (
            written(|o| write_double(o, Proto::Resp3, 0.1)),
            Frame::Double(0.1),
        ),
        (
            written(|o| write_double(o, Proto::Resp3, -1e300)),
            Frame::Double(-1e300),
        ),
        (
            written(|o| write_double(o, Proto::Resp3, f64::INFINITY)),
            Frame::Double(f64::INFINITY),
        ),
        (
            written(|o| write_double(o, Proto::Resp2, 2.5)),
            Frame::Bulk(Bytes::from_static(b"2.5")),
        ),
        (
            written(|o| write_bool(o, Proto::Resp3, true)),
            Frame::Boolean(true),
        ),
        (
            written(|o| write_bool(o, Proto::Resp2, true)),
            Frame::Integer(1),
        ),
        (
            written(|o| write_verbatim(o, Proto::Resp3, b"mkd", b"# hi")),
            Frame::Verbatim {
                format: Bytes::from_static(b"mkd"),
                text: Bytes::from_static(b"# hi"),
            },
        ),
        (
            written(|o| {
                write_map_len(o, Proto::Resp3, 1);
                write_bulk(o, b"k");
                write_integer(o, 1);
            }),
            Frame::Map(vec![(
                Frame::Bulk(Bytes::from_static(b"k")),
                Frame::Integer(1),
            )]),
        ),
        (
            written(|o| {
                write_map_len(o, Proto::Resp2, 1);
                write_bulk(o, b"k");
                write_integer(o, 1);
            }),
            Frame::Array(vec![
                Frame::Bulk(Bytes::from_static(b"k")),
                Frame::Integer(1),
            ]),
        ),
        (
            written(|o| {
                write_set_len(o, Proto::Resp3, 1);
                write_simple(o, b"m");
            }),
            Frame::Set(vec![Frame::Simple(Bytes::from_static(b"m"))]),
        ),
        (
            written(|o| {
                write_push_len(o, Proto::Resp3, 2);
                write_bulk(o, b"message");
                write_null(o, Proto::Resp3);
            }),
            Frame::Push(vec![
                Frame::Bulk(Bytes::from_static(b"message")),
                Frame::Null,
            ]),
        ),
        (
            written(|o| write_command(o, &["PING"])),
            Frame::Array(vec![Frame::Bulk(Bytes::from_static(b"PING"))]),
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(
            parsed(&bytes),
            want,
            "{:?}",
            String::from_utf8_lossy(&bytes)
        );
    }
    // NaN is not equal to itself: check it by kind.
    let nan = written(|o| write_double(o, Proto::Resp3, f64::NAN));
    assert!(matches!(parsed(&nan), Frame::Double(v) if v.is_nan()));
}

#[test]
fn write_frame_round_trips_every_type() {
    let frame = Frame::Array(vec![
        Frame::Simple(Bytes::from_static(b"OK")),
        Frame::Error(Bytes::from_static(b"ERR plain")),
        Frame::Error(Bytes::from_static(b"ERR two\r\nlines")),
        Frame::Integer(42),
        Frame::Bulk(Bytes::from_static(b"bulk")),
        Frame::Null,
        Frame::Double(-0.25),
        Frame::Boolean(false),
        Frame::BigNumber(Bytes::from_static(
            b"-1234567890123456789012345678901234567890",
        )),
        Frame::Verbatim {
            format: Bytes::from_static(b"txt"),
            text: Bytes::from_static(b"a:b"),
        },
        Frame::Map(vec![(
            Frame::Integer(1),
            Frame::Set(vec![Frame::Integer(2)]),
        )]),
        Frame::Push(vec![]),
        Frame::Attribute(vec![(
            Frame::Simple(Bytes::from_static(b"ttl")),
            Frame::Integer(3),
        )]),
    ]);
    let mut out = BytesMut::new();
    write_frame(&mut out, &frame);
    assert_eq!(parsed(&out), frame);
}

#[test]
fn g17_matches_c_printf() {
    // Expected texts from C's printf("%.17g") (checked against Python's
    // "%.17g" and glibc).
    let cases = [
        (1.1, "1.1000000000000001"),
        (3.0, "3"),
        (1e100, "1e+100"),
        (0.0001, "0.0001"),
        (0.00001, "1.0000000000000001e-05"),
        (-0.0, "-0"),
        (0.0, "0"),
        (1e16, "10000000000000000"),
        (1e17, "1e+17"),
        (123456789012345678.0, "1.2345678901234568e+17"),
        // A tie at the 17th digit rounds to even, as glibc does.
        (1234567890123456.0 + 0.25, "1234567890123456.2"),
        (5e-324, "4.9406564584124654e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (2.5, "2.5"),
        (0.1, "0.10000000000000001"),
        (0.30000000000000004, "0.30000000000000004"),
        (-1.5, "-1.5"),
        (100.0, "100"),
        (12345.678, "12345.678"),
        (1.23456, "1.2345600000000001"),
        (-2.2250738585072014e-308, "-2.2250738585072014e-308"),
        (9007199254740993.0, "9007199254740992"),
        (1e21, "1e+21"),
        (99999999999999999.0, "1e+17"),
        (1.0000000000000002, "1.0000000000000002"),
        (-1e-300, "-1e-300"),
        (6.02214076e23, "6.0221407599999999e+23"),
        (4.35, "4.3499999999999996"),
        (1e15, "1000000000000000"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
        (-f64::NAN, "-nan"),
    ];
    for (v, want) in cases {
        assert_eq!(format_double_g17(v), want, "{v:e}");
    }
}

#[test]
fn human_format_matches_ld2string_human() {
    let cases = [
        (10.6, "10.6"),
        (3.0, "3"),
        (-0.5, "-0.5"),
        (5e20, "500000000000000000000"),
        (-0.0, "0"),
        (0.0, "0"),
        (0.1, "0.1"),
        (0.30000000000000004, "0.30000000000000004"),
        (1e-17, "0.00000000000000001"),
        // More than 17 places: rounded to 17 as `%.17Lf`, then trimmed.
        (1.5e-17, "0.00000000000000002"),
        (1.2345678901234567e-5, "0.00001234567890123"),
        (1e-20, "0"),
        (-1e-20, "0"),
        (1.23456e-8, "0.0000000123456"),
        (-123456789.125, "-123456789.125"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
    ];
    for (v, want) in cases {
        assert_eq!(format_double_human(v), want, "{v:e}");
    }
}
