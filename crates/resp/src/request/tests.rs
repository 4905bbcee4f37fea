use super::*;

/// Commands parsed from `input` fed whole, and the error that stopped the
/// parse, if any.
fn parse_all(input: &[u8]) -> (Vec<Vec<Bytes>>, Option<ProtocolError>) {
    parse_all_with(input, &Limits::default())
}

fn parse_all_with(input: &[u8], limits: &Limits) -> (Vec<Vec<Bytes>>, Option<ProtocolError>) {
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::from(input);
    let mut commands = Vec::new();
    loop {
        match parser.parse(&mut buf, limits) {
            Ok(Some(args)) => commands.push(args),
            Ok(None) => return (commands, None),
            Err(err) => return (commands, Some(err)),
        }
    }
}

/// The single error `input` produces, with the text a client sees after `ERR `.
fn error_text(input: &[u8]) -> String {
    error_text_with(input, &Limits::default())
}

fn error_text_with(input: &[u8], limits: &Limits) -> String {
    let (commands, err) = parse_all_with(input, limits);
    assert!(
        commands.is_empty(),
        "commands before the error: {commands:?}"
    );
    err.expect("an error").to_string()
}

fn cmd(args: &[&str]) -> Vec<Bytes> {
    args.iter()
        .map(|a| Bytes::copy_from_slice(a.as_bytes()))
        .collect()
}

fn only_command(input: &[u8]) -> Vec<Bytes> {
    let (commands, err) = parse_all(input);
    assert_eq!(err, None);
    assert_eq!(commands.len(), 1, "{commands:?}");
    commands.into_iter().next().unwrap()
}

#[test]
fn multibulk_command() {
    assert_eq!(
        only_command(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n"),
        cmd(&["SET", "k", "value"])
    );
}

#[test]
fn multibulk_binary_and_empty_args() {
    assert_eq!(
        only_command(b"*2\r\n$0\r\n\r\n$4\r\n\r\n\0\xff\r\n"),
        vec![Bytes::new(), Bytes::from_static(b"\r\n\0\xff")]
    );
}

#[test]
fn multibulk_args_are_split_off_the_buffer_without_copy() {
    let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"[..]);
    let start = buf.as_ptr() as usize;
    let end = start + buf.len();
    let args = RequestParser::new()
        .parse(&mut buf, &Limits::default())
        .unwrap()
        .unwrap();
    for arg in &args {
        let at = arg.as_ptr() as usize;
        assert!(at >= start && at < end, "argument was copied");
    }
}

#[test]
fn pipeline_of_thousands_of_commands() {
    let mut input = Vec::new();
    for i in 0..5000 {
        let key = format!("key:{i}");
        input.extend_from_slice(
            format!("*2\r\n$3\r\nGET\r\n${}\r\n{key}\r\n", key.len()).as_bytes(),
        );
        if i % 7 == 0 {
            input.extend_from_slice(format!("PING {i}\r\n").as_bytes());
        }
    }
    let (commands, err) = parse_all(&input);
    assert_eq!(err, None);
    assert_eq!(commands.len(), 5000 + 5000_usize.div_ceil(7));
    assert_eq!(commands[0], cmd(&["GET", "key:0"]));
    assert_eq!(commands[1], cmd(&["PING", "0"]));
    assert_eq!(commands.last().unwrap(), &cmd(&["GET", "key:4999"]));
}

#[test]
fn split_at_every_byte_gives_the_same_commands() {
    let input: &[u8] = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$10\r\nabc\r\n\0defg\r\n\
        PING\r\n\r\n*0\r\n set \"a b\" 'c\\'d' \"\\x41\\n\"\r\n*-1\r\n*1\r\n$4\r\nPING\r\nECHO x\n";
    let (want, err) = parse_all(input);
    assert_eq!(err, None);
    assert_eq!(want.len(), 5);
    for split in 0..=input.len() {
        let mut parser = RequestParser::new();
        let limits = Limits::default();
        let mut buf = BytesMut::from(&input[..split]);
        let mut got = Vec::new();
        while let Some(args) = parser.parse(&mut buf, &limits).unwrap() {
            got.push(args);
        }
        buf.extend_from_slice(&input[split..]);
        while let Some(args) = parser.parse(&mut buf, &limits).unwrap() {
            got.push(args);
        }
        assert_eq!(got, want, "split at {split}");
        assert!(buf.is_empty() && !parser.in_progress());
    }
}

#[test]
fn byte_by_byte_feeding_keeps_progress() {
    let input = b"*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n";
    let mut parser = RequestParser::new();
    let limits = Limits::default();
    let mut buf = BytesMut::new();
    for (i, &b) in input.iter().enumerate() {
        buf.extend_from_slice(&[b]);
        let result = parser.parse(&mut buf, &limits).unwrap();
        if i + 1 < input.len() {
            assert_eq!(result, None, "complete early at byte {i}");
        } else {
            assert_eq!(result, Some(cmd(&["ECHO", "hello"])));
        }
    }
}

#[test]
fn pending_bytes_and_in_progress_track_the_partial_command() {
    let mut parser = RequestParser::new();
    let limits = Limits::default();
    let mut buf = BytesMut::from(&b"*3\r\n$3\r\nSET\r\n$4\r\nkey1\r\n$5\r\nval"[..]);
    assert!(!parser.in_progress());
    assert_eq!(parser.parse(&mut buf, &limits), Ok(None));
    assert!(parser.in_progress());
    assert_eq!(parser.pending_bytes(), 7);
    // The bulk in progress stays in the buffer until complete.
    assert_eq!(&buf[..], b"val");
    buf.extend_from_slice(b"ue\r\n");
    assert_eq!(
        parser.parse(&mut buf, &limits),
        Ok(Some(cmd(&["SET", "key1", "value"])))
    );
    assert!(!parser.in_progress());
    assert_eq!(parser.pending_bytes(), 0);
}

#[test]
fn empty_requests_are_skipped_not_returned() {
    // Redis: an inline line with no argument and a `*` count <= 0 reset the
    // client without running anything.
    let (commands, err) = parse_all(b"\r\n\n   \r\n\t\n*0\r\n*-1\r\n*-5\r\nPING\r\n");
    assert_eq!(err, None);
    assert_eq!(commands, vec![cmd(&["PING"])]);
    let (commands, err) = parse_all(b"\r\n*0\r\n");
    assert_eq!((commands.len(), err), (0, None));
}

#[test]
fn length_lines_end_at_cr_and_skip_the_next_byte_as_redis() {
    // processMultibulkBuffer skips the byte after `\r` and the two bytes
    // after bulk data without checking them.
    assert_eq!(only_command(b"*1\rX$4\rYPINGab"), cmd(&["PING"]));
    // A `\r` as the last byte waits for the byte after it.
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::from(&b"*1\r"[..]);
    assert_eq!(parser.parse(&mut buf, &Limits::default()), Ok(None));
    assert_eq!(&buf[..], b"*1\r");
}

#[test]
fn error_invalid_multibulk_length() {
    for input in [
        &b"*x\r\n"[..],
        b"*\r\n",
        b"*01\r\n",
        b"*1 \r\n",
        b"*-0\r\n",
        b"*99999999999999999999\r\n",
    ] {
        assert_eq!(
            error_text(input),
            "Protocol error: invalid multibulk length"
        );
    }
    assert_eq!(
        error_text(b"*2147483648\r\n"),
        "Protocol error: invalid multibulk length"
    );
    assert_eq!(parse_all(b"*2147483647\r\n"), (vec![], None));
}

#[test]
fn error_too_big_mbulk_count_string() {
    let mut input = b"*1".to_vec();
    input.resize(64 * 1024, b'1');
    assert_eq!(
        parse_all(&input),
        (vec![], None),
        "64KB without CR still waits"
    );
    input.push(b'1');
    assert_eq!(
        error_text(&input),
        "Protocol error: too big mbulk count string"
    );
}

#[test]
fn error_expected_dollar() {
    assert_eq!(
        error_text(b"*1\r\n:3\r\nfoo\r\n"),
        "Protocol error: expected '$', got ':'"
    );
    assert_eq!(
        error_text(b"*2\r\n$1\r\na\r\nGET\r\n"),
        "Protocol error: expected '$', got 'G'"
    );
    // Redis turns CR/LF into spaces in error replies.
    assert_eq!(
        error_text(b"*1\r\n\r\n"),
        "Protocol error: expected '$', got ' '"
    );
    assert_eq!(
        ProtocolError::ExpectedDollar(b'\n').to_string(),
        "Protocol error: expected '$', got ' '"
    );
}

#[test]
fn error_expected_dollar_waits_for_a_whole_line() {
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::from(&b"*1\r\nGE"[..]);
    assert_eq!(parser.parse(&mut buf, &Limits::default()), Ok(None));
    buf.extend_from_slice(b"T\r\n");
    assert_eq!(
        parser.parse(&mut buf, &Limits::default()),
        Err(ProtocolError::ExpectedDollar(b'G'))
    );
}

#[test]
fn error_too_big_bulk_count_string() {
    let mut input = b"*1\r\n$1".to_vec();
    input.resize(4 + 64 * 1024, b'1');
    assert_eq!(parse_all(&input), (vec![], None));
    input.push(b'1');
    assert_eq!(
        error_text(&input),
        "Protocol error: too big bulk count string"
    );
}

#[test]
fn error_invalid_bulk_length() {
    for input in [
        &b"*1\r\n$x\r\n"[..],
        b"*1\r\n$-1\r\n",
        b"*1\r\n$\r\n",
        b"*1\r\n$+3\r\n",
        b"*1\r\n$536870913\r\n",
    ] {
        assert_eq!(error_text(input), "Protocol error: invalid bulk length");
    }
    // Exactly proto-max-bulk-len is accepted: it waits for the data.
    assert_eq!(parse_all(b"*1\r\n$536870912\r\n"), (vec![], None));
    let small = Limits {
        max_bulk_len: 3,
        ..Limits::default()
    };
    assert_eq!(parse_all_with(b"*1\r\n$3\r\nabc\r\n", &small).1, None);
    assert_eq!(
        error_text_with(b"*1\r\n$4\r\nabcd\r\n", &small),
        "Protocol error: invalid bulk length"
    );
}

#[test]
fn error_too_big_inline_request() {
    let mut input = vec![b'a'; 64 * 1024];
    assert_eq!(parse_all(&input), (vec![], None));
    input.push(b'a');
    assert_eq!(error_text(&input), "Protocol error: too big inline request");
    // With its newline already there, a long inline line is accepted, as in Redis.
    input.push(b'\n');
    assert_eq!(parse_all(&input).0.len(), 1);
}

#[test]
fn error_unbalanced_quotes() {
    for input in [
        &b"SET \"a\r\n"[..],
        b"SET 'a\r\n",
        b"SET \"a\"b\r\n",
        b"SET 'a'b\r\n",
        b"SET \"a\\\"\r\n",
        b"SET \"abc\\\r\n",
        b"SET a\"b\r\n",
        b"SET \"a\0\"\r\n",
    ] {
        assert_eq!(
            error_text(input),
            "Protocol error: unbalanced quotes in request",
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn limits_default_to_redis_values() {
    let limits = Limits::default();
    assert_eq!(limits.max_bulk_len, 512 * 1024 * 1024);
    assert_eq!(limits.max_multibulk_len, i32::MAX as u64);
    assert_eq!(limits.max_inline_len, 64 * 1024);
}

#[test]
fn inline_splits_on_whitespace() {
    assert_eq!(
        only_command(b"SET  key\tvalue \r\n"),
        cmd(&["SET", "key", "value"])
    );
    assert_eq!(only_command(b"  PING\n"), cmd(&["PING"]));
    // Only one trailing CR is stripped; a CR inside the line separates.
    assert_eq!(only_command(b"a\rb\r\r\n"), cmd(&["a", "b"]));
    // `\v` and `\f` separate arguments only before them, not inside them.
    assert_eq!(only_command(b"\x0bA\x0bB \x0c\n"), cmd(&["A\x0bB"]));
}

#[test]
fn inline_plain_args_are_not_copied() {
    let mut buf = BytesMut::from(&b"GET somekey\r\n"[..]);
    let start = buf.as_ptr() as usize;
    let args = RequestParser::new()
        .parse(&mut buf, &Limits::default())
        .unwrap()
        .unwrap();
    assert_eq!(args[1].as_ptr() as usize, start + 4);
}

#[test]
fn inline_double_quotes_and_escapes() {
    assert_eq!(
        only_command(b"SET \"a b\" \"\\n\\r\\t\\b\\a\\\\\\\"\\q\"\r\n"),
        vec![
            Bytes::from_static(b"SET"),
            Bytes::from_static(b"a b"),
            Bytes::from_static(b"\n\r\t\x08\x07\\\"q"),
        ]
    );
    assert_eq!(
        only_command(b"\"\\x41\\xff\\x00\\xG1\\x4\"\n"),
        vec![Bytes::from_static(b"A\xff\0xG1x4")]
    );
    assert_eq!(only_command(b"\"\" ''\n"), vec![Bytes::new(), Bytes::new()]);
}

#[test]
fn inline_single_quotes_escape_only_quote() {
    assert_eq!(
        only_command(b"SET 'it\\'s' '\\n\"'\n"),
        vec![
            Bytes::from_static(b"SET"),
            Bytes::from_static(b"it's"),
            Bytes::from_static(b"\\n\""),
        ]
    );
}

#[test]
fn inline_quote_inside_a_word_opens_a_quoted_part() {
    // sdssplitargs keeps appending to the current argument.
    assert_eq!(only_command(b"ab\"c d\" e\n"), cmd(&["abc d", "e"]));
    // A closing quote may be followed by any space, including CR, VT, FF.
    assert_eq!(
        only_command(b"\"a\"\x0b'b'\x0c\"c\"\rd\n"),
        cmd(&["a", "b", "c", "d"])
    );
}

#[test]
fn inline_nul_ends_the_arguments_as_in_a_c_string() {
    assert_eq!(only_command(b"SET a b\0c d\r\n"), cmd(&["SET", "a", "b"]));
    let (commands, err) = parse_all(b"\0PING\r\nPING\r\n");
    assert_eq!((commands, err), (vec![cmd(&["PING"])], None));
}

#[test]
fn big_bulk_reserves_gradually() {
    let limits = Limits::default();
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::from(&b"*1\r\n$536870912\r\nabc"[..]);
    assert_eq!(parser.parse(&mut buf, &limits), Ok(None));
    assert!(buf.capacity() <= 1024 * 1024, "reserved {}", buf.capacity());
    // Growth stays proportional to what arrived.
    buf.extend_from_slice(&vec![b'x'; 200 * 1024]);
    assert_eq!(parser.parse(&mut buf, &limits), Ok(None));
    assert!(
        buf.capacity() <= 2 * 1024 * 1024,
        "reserved {}",
        buf.capacity()
    );
}

#[test]
fn big_bulk_completes_across_many_reads() {
    let len = 300 * 1024;
    let mut input = format!("*2\r\n$3\r\nSET\r\n${len}\r\n").into_bytes();
    let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    input.extend_from_slice(&body);
    input.extend_from_slice(b"\r\n");
    let limits = Limits::default();
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::new();
    let mut result = None;
    for chunk in input.chunks(16 * 1024) {
        buf.extend_from_slice(chunk);
        if let Some(args) = parser.parse(&mut buf, &limits).unwrap() {
            result = Some(args);
        }
    }
    let args = result.expect("a command");
    assert_eq!(args[1], Bytes::from(body));
}

#[test]
fn multibulk_count_preallocation_is_capped() {
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::from(&b"*1048576\r\n"[..]);
    assert_eq!(parser.parse(&mut buf, &Limits::default()), Ok(None));
    assert!(parser.args.capacity() <= 1024);
}
