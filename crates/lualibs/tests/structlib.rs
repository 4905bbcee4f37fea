//! `struct` as Redis 7.0.15 has it: formats, alignment, byte orders and error texts checked
//! against a real redis-server (see `common` for the parity run).

mod common;

lua_cases! {
    /// Integer sizes, little endian by default, big endian with `>`.
    pack_integers_little: r#"return hex(struct.pack("bBhHlLiI", -1, 255, -2, 65535, -3, 4, -5, 6))"# => "fffffefffffffdffffffffffffff0400000000000000fbffffff06000000";
    pack_integers_big: r#"return hex(struct.pack(">bBhHlLiI", -1, 255, -2, 65535, -3, 4, -5, 6))"# => "fffffffefffffffffffffffffffd0000000000000004fffffffb00000006";
    pack_odd_sizes: r#"return hex(struct.pack("<i3>i3i1I5", 0x123456, 0x123456, 300, 2^40-1))"# => "5634121234562cffffffffff";
    /// Integers go through 64 bits: wider fields are not sign-extended past 8 bytes.
    pack_wide_integers: r#"return hex(struct.pack("<i16", -1)) .. " " .. hex(struct.pack(">i16", -1)) .. " " .. hex(struct.pack("<i0", 5))"# => "ffffffffffffffff0000000000000000 0000000000000000ffffffffffffffff ";
    /// Out-of-range numbers convert as the C casts do on x86-64.
    pack_out_of_range: r#"return hex(struct.pack(">L", 2^64)) .. " " .. hex(struct.pack(">L", 2^63)) .. " " .. hex(struct.pack(">l", -2^63)) .. " " .. hex(struct.pack(">l", -2^64)) .. " " .. hex(struct.pack(">L", 1e30)) .. " " .. hex(struct.pack(">L", 0/0)) .. " " .. hex(struct.pack(">L", 1/0)) .. " " .. hex(struct.pack(">L", -1/0)) .. " " .. hex(struct.pack(">L", 2^64 - 2048))"# => "0000000000000000 8000000000000000 8000000000000000 8000000000000000 0000000000000000 8000000000000000 0000000000000000 8000000000000000 fffffffffffff800";
    pack_truncation: r#"return hex(struct.pack("b b", 1, 2)) .. " " .. hex(struct.pack("b\0b", 1, 2)) .. " " .. hex(struct.pack("b", "12")) .. " " .. hex(struct.pack("B", 256)) .. " " .. hex(struct.pack("b", 1.9)) .. " " .. hex(struct.pack("b", -1.9))"# => "0102 01 0c 00 01 ff";
    pack_floats: r#"return hex(struct.pack("<fd", 1.5, 0.1)) .. " " .. hex(struct.pack(">fd", 1.5, 0.1)) .. " " .. hex(struct.pack("f", 1e300))"# => "0000c03f9a9999999999b93f 3fc000003fb999999999999a 0000807f";
    pack_strings: r#"return hex(struct.pack("c", "ab")) .. " " .. hex(struct.pack("c3", "abcd")) .. " " .. hex(struct.pack("c0", "xyz")) .. " " .. hex(struct.pack("s", "hi")) .. " " .. hex(struct.pack("xbx", 7))"# => "61 616263 78797a 686900 000700";
    /// `!` aligns items to min(size, n), default 8; `c` and `s` are never aligned.
    pack_alignment: r#"return hex(struct.pack("!bi", 1, 2)) .. " " .. hex(struct.pack("!2bi", 1, 2)) .. " " .. hex(struct.pack("!bd", 1, 2)) .. " " .. hex(struct.pack("!4bd", 1, 2)) .. " " .. hex(struct.pack("!bh", 1, 2)) .. " " .. hex(struct.pack("!bcbs", 1, "x", 2, "yz")) .. " " .. hex(struct.pack("!8bi3", 1, 2))"# => "0100000002000000 010002000000 01000000000000000000000000000040 010000000000000000000040 01000200 017802797a00 010000020000";
    pack_alignment_odd_size: r#"return hex(struct.pack("!4bi3i", 1, 2, 3)) .. " " .. struct.size("!4bi3i") .. " " .. struct.size("!4bi5i") .. " " .. struct.size("!8bi6i") .. " " .. struct.size("!8bi7b")"# => "010000020000000003000000 12 16 16 15";
    pack_nan_double: r#"return table.concat({struct.unpack("d", struct.pack("d", 0/0))}, " ") .. " " .. hex(struct.pack("d", 0/0))"# => "-nan 9 000000000000f8ff";

    /// Pack errors.
    pack_int_too_wide: r#"return perr(function() return struct.pack("i33", 1) end)"# => "err:user_script:1: integral size 33 is larger than limit of 32";
    pack_size_overflow: r#"return perr(function() return struct.pack("i99999999999", 1) end)"# => "err:user_script:1: integral size overflow";
    /// The argument reported is the one after the string.
    pack_string_too_short: r#"return perr(function() return struct.pack("c5", "ab") end)"# => "err:user_script:1: bad argument #3 to 'pack' (string too short)";
    pack_string_too_short_later: r#"return perr(function() return struct.pack("bc5", 1, "ab") end)"# => "err:user_script:1: bad argument #4 to 'pack' (string too short)";
    pack_bad_alignment: r#"return perr(function() return struct.pack("!3b", 1) end)"# => "err:user_script:1: alignment 3 is not a power of 2";
    pack_invalid_option: r#"return perr(function() return struct.pack("z", 1) end)"# => "err:user_script:1: bad argument #1 to 'pack' (invalid format option 'z')";
    pack_digit_option: r#"return perr(function() return struct.pack("<4", 1) end)"# => "err:user_script:1: bad argument #1 to 'pack' (invalid format option '4')";
    pack_high_byte_option: r#"return hex(perr(function() return struct.pack("\200", 1) end))"# => "6572723a757365725f7363726970743a313a2062616420617267756d656e7420233120746f20277061636b272028696e76616c696420666f726d6174206f7074696f6e2027c82729";
    pack_not_a_number: r#"return perr(function() return struct.pack("b", "x") end)"# => "err:user_script:1: bad argument #2 to 'pack' (number expected, got string)";
    pack_missing_value: r#"return perr(function() return struct.pack("b") end)"# => "err:user_script:1: bad argument #2 to 'pack' (number expected, got nil)";
    pack_no_format: r#"return perr(function() return struct.pack() end)"# => "err:user_script:1: bad argument #1 to 'pack' (string expected, got no value)";
    /// struct.pack pushes a nil after its arguments: a missing value reads as nil.
    pack_missing_string: r#"return perr(function() return struct.pack("bs", 1) end)"# => "err:user_script:1: bad argument #3 to 'pack' (string expected, got nil)";
    pack_missing_double: r#"return perr(function() return struct.pack("d") end)"# => "err:user_script:1: bad argument #2 to 'pack' (number expected, got nil)";
    pack_not_a_string: r#"return perr(function() return struct.pack("s", {}) end)"# => "err:user_script:1: bad argument #2 to 'pack' (string expected, got table)";
    pack_many: r#"local t = {} for i = 1, 3000 do t[i] = i % 128 end return #struct.pack(string.rep("b", 3000), unpack(t))"# => "3000";

    /// Unpacking, with the next position last.
    unpack_integers: r#"return table.concat({struct.unpack("bBhH", "\255\255\254\255\255\255")}, " ")"# => "-1 255 -2 65535 7";
    unpack_odd_sizes: r#"return table.concat({struct.unpack(">i3<i3I2", "\255\255\254\254\255\255\1\2")}, " ")"# => "-2 -2 513 9";
    unpack_longs: r#"local t = {struct.unpack("<Ll", "\255\255\255\255\255\255\255\255\255\255\255\255\255\255\255\127")} return string.format("%.17g %.17g %d", t[1], t[2], t[3])"# => "1.8446744073709552e+19 9.2233720368547758e+18 17";
    unpack_wide: r#"return table.concat({struct.unpack("<i16", string.rep("\255", 8) .. string.rep("\0", 8))}, " ")"# => "-1 17";
    unpack_nine_bytes: r#"return table.concat({struct.unpack("<i9", string.rep("\0", 8) .. "\1")}, " ") .. "|" .. table.concat({struct.unpack("<i9", "\128" .. string.rep("\0", 8))}, " ") .. "|" .. table.concat({struct.unpack(">i9", "\1" .. string.rep("\0", 7) .. "\128")}, " ")"# => "0 10|-128 10|-128 10";
    unpack_zero_width: r#"return table.concat({struct.unpack("i0", "")}, " ")"# => "0 1";
    unpack_floats: r#"return table.concat({struct.unpack("<fd", struct.pack("<fd", 1.5, 0.1))}, " ") .. " " .. table.concat({struct.unpack(">fd", struct.pack(">fd", -2.25, 1e300))}, " ")"# => "1.5 0.1 13 -2.25 1e+300 13";
    /// `c0` takes its size from the previous result, which it consumes.
    unpack_counted_string: r#"return table.concat({struct.unpack("bc0", "\3xyzw")}, " ")"# => "xyz 5";
    unpack_counted_string_unsigned: r#"return table.concat({struct.unpack("Bc0", "\2ab")}, " ")"# => "ab 4";
    unpack_counted_string_from_numeric_string: r#"return table.concat({struct.unpack("c1c0", "2abc")}, " ")"# => "ab 4";
    unpack_c0_first: r#"return perr(function() return struct.unpack("c0", "abc") end)"# => "err:user_script:1: format 'c0' needs a previous size";
    unpack_c0_after_string: r#"return perr(function() return struct.unpack("c1c0", "xabc") end)"# => "err:user_script:1: format 'c0' needs a previous size";
    unpack_c0_too_long: r#"return perr(function() return struct.unpack("bc0", "\9ab") end)"# => "err:user_script:1: bad argument #2 to 'unpack' (data string too short)";
    unpack_zero_terminated: r#"return table.concat({struct.unpack("sb", "hello\0\7")}, " ")"# => "hello 7 8";
    unpack_unfinished_string: r#"return perr(function() return struct.unpack("s", "hello") end)"# => "err:user_script:1: unfinished string in data";
    unpack_alignment: r#"return table.concat({struct.unpack("!bi", "\1\0\0\0\2\0\0\0")}, " ") .. " " .. table.concat({struct.unpack("!bxi", "\1\0\0\0\2\0\0\0")}, " ") .. " " .. table.concat({struct.unpack("!4bi3i", "\1\0\0\0\2\0\0\0\3\0\0\0")}, " ")"# => "1 2 9 1 2 9 1 512 3 13";
    unpack_position: r#"return table.concat({struct.unpack("b", "abc", 3)}, " ") .. " " .. table.concat({struct.unpack("b", "a", 1.5)}, " ")"# => "99 4 97 2";
    unpack_too_short: r#"return perr(function() return struct.unpack("i", "abc") end)"# => "err:user_script:1: bad argument #2 to 'unpack' (data string too short)";
    unpack_second_too_short: r#"return perr(function() return struct.unpack("bb", "\1\2", 2) end)"# => "err:user_script:1: bad argument #2 to 'unpack' (data string too short)";
    unpack_position_zero: r#"return perr(function() return struct.unpack("b", "abc", 0) end)"# => "err:user_script:1: bad argument #3 to 'unpack' (offset must be 1 or greater)";
    unpack_position_past_end: r#"return perr(function() return struct.unpack("b", "abc", 4) end)"# => "err:user_script:1: bad argument #2 to 'unpack' (data string too short)";
    /// A negative position wraps to a huge size_t.
    unpack_position_negative: r#"return perr(function() return struct.unpack("b", "abc", -1) end)"# => "err:user_script:1: bad argument #2 to 'unpack' (data string too short)";
    unpack_position_huge: r#"return perr(function() return struct.unpack("b", "a", 2^64) end)"# => "err:user_script:1: bad argument #2 to 'unpack' (data string too short)";
    unpack_invalid_option: r#"return perr(function() return struct.unpack("z", "abc") end)"# => "err:user_script:1: bad argument #1 to 'unpack' (invalid format option 'z')";
    /// Bounds are checked before the option is recognised.
    unpack_bounds_before_option: r#"return perr(function() return struct.unpack("bz", "") end)"# => "err:user_script:1: bad argument #2 to 'unpack' (data string too short)";
    unpack_many_results: r#"return select('#', struct.unpack(string.rep("c1", 7990), string.rep("x", 7990)))"# => "7991";
    unpack_too_many_results: r#"return perr(function() return select('#', struct.unpack(string.rep("b", 8000), string.rep("x", 8000))) end)"# => "err:user_script:1: stack overflow (too many results)";

    /// Sizes; letters that are not options count as nothing.
    size: r#"return table.concat({struct.size("bhi"), struct.size("!bhi"), struct.size("!bd"), struct.size("c10"), struct.size("zyq"), struct.size("i3!4i"), struct.size("x"), struct.size("<>!"), struct.size("5")}, " ")"# => "7 8 16 10 0 8 1 0 0";
    size_of_s: r#"return perr(function() return struct.size("s") end)"# => "err:user_script:1: bad argument #1 to 'size' (option 's' has no fixed size)";
    size_of_c0: r#"return perr(function() return struct.size("c0") end)"# => "err:user_script:1: bad argument #1 to 'size' (option 'c0' has no fixed size)";
    size_invalid_option: r#"return perr(function() return struct.size("b?") end)"# => "err:user_script:1: bad argument #1 to 'size' (invalid format option '?')";
    size_bad_alignment: r#"return perr(function() return struct.size("!3") end)"# => "err:user_script:1: alignment 3 is not a power of 2";
    size_no_format: r#"return perr(function() return struct.size() end)"# => "err:user_script:1: bad argument #1 to 'size' (string expected, got no value)";

    round_trip: r#"local fmt = ">!4 b h i l c3 d f s x I2" local s = struct.pack(fmt, -5, 300, -70000, 2^40, "abc", 0.25, -1.5, "zz", 65000) local t = {struct.unpack(fmt, s)} return #s .. ":" .. table.concat(t, ",")"# => "38:-5,300,-70000,1099511627776,abc,0.25,-1.5,zz,65000,39";
    module_fields: r#"local t = {} for k in pairs(struct) do t[#t+1]=k end table.sort(t) return table.concat(t, ",")"# => "pack,size,unpack";
}
