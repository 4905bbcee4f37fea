//! `cjson` as Redis 7.0.15 has it: outputs and error texts checked against a real redis-server
//! (see `common` for the parity run).

mod common;

lua_cases! {
    /// Arrays, objects and nesting; the empty table is an object.
    encode_nested: r#"return cjson.encode({1,2,{a=1}})"# => r#"[1,2,{"a":1}]"#;
    encode_empty_table_is_object: r#"return cjson.encode({})"# => "{}";
    encode_nested_empties: r#"return cjson.encode(cjson.decode('[[],{}]'))"# => "[{},{}]";
    encode_scalars: r#"return cjson.encode(true) .. cjson.encode(false) .. cjson.encode(nil) .. cjson.encode("x") .. cjson.encode(12)"# => r#"truefalsenull"x"12"#;
    encode_holes_are_null: r#"return cjson.encode({1,2,nil,4})"# => "[1,2,null,4]";
    encode_hole_in_hash_part: r#"return cjson.encode({[1] = 1, [2] = 2, [4] = 4})"# => "[1,2,null,4]";
    /// Mixed keys make an object; array-part keys come first in next() order.
    encode_mixed_table_is_object: r#"return cjson.encode({1, 2, a = 3})"# => r#"{"1":1,"2":2,"a":3}"#;
    encode_zero_key_is_object: r#"return cjson.encode({[0] = 1})"# => r#"{"0":1}"#;
    encode_negative_key_is_object: r#"return cjson.encode({[-1] = 1})"# => r#"{"-1":1}"#;
    encode_float_key: r#"return cjson.encode({[1.5]=1})"# => r#"{"1.5":1}"#;
    /// Indexes of 2^31 and beyond turn the C int maximum into INT_MIN; the traversal order decides.
    encode_huge_index_after_small: r#"return cjson.encode({[2]=2, [3e9]=1})"# => r#"{"2":2,"3000000000":1}"#;
    encode_huge_index_before_small: r#"return cjson.encode({[3e9]=1, [2]=2})"# => "[null,2]";
    encode_index_2_pow_31: r#"return cjson.encode({[2^31] = 1})"# => r#"{"2147483648":1}"#;
    encode_index_2_pow_32_plus_5: r#"return cjson.encode({[2^32+5]=1})"# => r#"{"4294967301":1}"#;
    encode_index_2_pow_32_with_1: r#"return cjson.encode({[2^32] = 1, [1] = 2})"# => "[2]";

    /// Sparse arrays: ratio 2, safe 10 by default.
    sparse_within_safe_limit: r#"return cjson.encode({[1]=1,[10]=2})"# => "[1,null,null,null,null,null,null,null,null,2]";
    sparse_excessively: r#"return perr(function() return cjson.encode({[1]=1,[12]=2}) end)"# => "err:user_script:1: Cannot serialise table: excessively sparse array";
    sparse_excessively_at_11: r#"return perr(cjson.encode, {[1]=1,[11]=2})"# => "err:Cannot serialise table: excessively sparse array";
    sparse_large_index: r#"return perr(cjson.encode, {[1]=1, [2^31-1] = 1})"# => "err:Cannot serialise table: excessively sparse array";
    sparse_convert_to_object: r#"cjson.encode_sparse_array(true) return cjson.encode({[1]=1,[12]=2})"# => r#"{"1":1,"12":2}"#;
    sparse_ratio_zero_allows_all: r#"cjson.encode_sparse_array(false, 0) return #cjson.encode({[1]=1, [40]=2})"# => "195";
    sparse_ratio_one: r#"cjson.encode_sparse_array(false, 1, 0) return perr(cjson.encode, {[1]=1, [3]=2})"# => "err:Cannot serialise table: excessively sparse array";
    sparse_ratio_two_safe_zero_ok: r#"cjson.encode_sparse_array(false, 2, 0) return perr(cjson.encode, {[1]=1, [3]=2})"# => "ok:[1,null,2]";
    sparse_ratio_two_safe_zero_fails: r#"cjson.encode_sparse_array(false, 2, 0) return perr(cjson.encode, {[1]=1, [5]=2})"# => "err:Cannot serialise table: excessively sparse array";
    /// `items * ratio` is a C int and wraps.
    sparse_ratio_overflow_wraps: r#"cjson.encode_sparse_array(false, 2^31-1, 0) return perr(cjson.encode, {[1]=1, [2]=1, [5]=2})"# => "ok:[1,1,null,null,2]";
    sparse_settings_read_back: r#"local a,b,c = cjson.encode_sparse_array("on", 3, 5) return tostring(a)..","..tostring(b)..","..tostring(c)"# => "true,3,5";
    sparse_defaults_read_back: r#"local a,b,c = cjson.encode_sparse_array() return tostring(a)..","..tostring(b)..","..tostring(c)"# => "false,2,10";
    sparse_off_by_name: r#"return perr(cjson.encode_sparse_array, "off")"# => "ok:false";
    /// The range error names argument #1 whichever argument is out of range.
    sparse_bad_ratio: r#"return perr(function() return cjson.encode_sparse_array(true, -1) end)"# => "err:user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)";
    sparse_bad_safe: r#"return perr(function() return cjson.encode_sparse_array(true, 1, -1) end)"# => "err:user_script:1: bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)";
    /// Settings made before the failing argument stay made.
    sparse_partial_update_sticks: r#"pcall(cjson.encode_sparse_array, true, 1, -1) local a,b,c = cjson.encode_sparse_array() return tostring(a)..","..tostring(b)..","..tostring(c)"# => "true,1,10";
    sparse_bad_option_number: r#"return perr(cjson.encode_sparse_array, 1)"# => "err:bad argument #1 to '?' (invalid option '1')";

    /// Strings: `/` and `"` and `\` escaped, control characters as \uXXXX, DEL too, high bytes raw.
    encode_string_escapes: r#"return hex(cjson.encode("a/b\"c\\d\1\8\9\10\12\13\31\127\128\255 é"))"# => "22615c2f625c22635c5c645c75303030315c625c745c6e5c665c725c75303031665c753030376680ff20c3a922";
    encode_nul_byte: r#"return cjson.encode(cjson.decode('"\\u0000"'))"# => r#""\u0000""#;
    encode_string_keys_escaped: r#"return cjson.encode({["a/b"]=1})"# => r#"{"a\/b":1}"#;

    /// Numbers are %.14g.
    encode_numbers: r#"return cjson.encode({0.1, 1/3, -0, 1e100, 1e15, 1e14, 123456789012345678, 2^53, -1.5e-7, 0.0001, 0.00001})"# => "[0.1,0.33333333333333,-0,1e+100,1e+15,1e+14,1.2345678901235e+17,9.007199254741e+15,-1.5e-07,0.0001,1e-05]";
    encode_more_numbers: r#"return cjson.encode({2^31, 2^63, -2^63, 2^64, 5e-324, 1.7976931348623157e308, 123.456, 0.1 + 0.2, 100, -100, 1e21, 12345678901234})"# => "[2147483648,9.2233720368548e+18,-9.2233720368548e+18,1.844674407371e+19,4.9406564584125e-324,1.7976931348623e+308,123.456,0.3,100,-100,1e+21,12345678901234]";
    encode_rounding: r#"return cjson.encode({0.5, 1.5, 2.5, 0.125, 1e-4, 123456789012345, 1234567890123456, 0.000123456789012345})"# => "[0.5,1.5,2.5,0.125,0.0001,1.2345678901234e+14,1.2345678901235e+15,0.00012345678901234]";
    precision_one: r#"cjson.encode_number_precision(1) return cjson.encode({0.5, 1.5, 2.5, 0.25, 0.35, 95, 9.5, 0.05})"# => "[0.5,2,2,0.2,0.3,1e+02,1e+01,0.05]";
    precision_two: r#"cjson.encode_number_precision(2) return cjson.encode({0.125, 0.375, 1.25, 99.5, 999, 0.0001234})"# => "[0.12,0.38,1.2,1e+02,1e+03,0.00012]";
    precision_three: r#"return cjson.encode_number_precision(3) .. cjson.encode({3.14159, 1234567})"# => "3[3.14,1.23e+06]";
    precision_out_of_range: r#"return perr(function() return cjson.encode_number_precision(15) end)"# => "err:user_script:1: bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)";

    /// NaN and infinities per encode_invalid_numbers.
    encode_nan_refused: r#"return perr(function() return cjson.encode(0/0) end)"# => "err:user_script:1: Cannot serialise number: must not be NaN or Inf";
    encode_inf_refused: r#"return perr(function() return cjson.encode(1/0) end)"# => "err:user_script:1: Cannot serialise number: must not be NaN or Inf";
    encode_inf_key_refused: r#"return perr(cjson.encode, {[math.huge]=1})"# => "err:Cannot serialise number: must not be NaN or Inf";
    encode_invalid_numbers_on: r#"cjson.encode_invalid_numbers(true) return cjson.encode({0/0, 1/0, -1/0})"# => "[nan,inf,-inf]";
    encode_invalid_numbers_null: r#"cjson.encode_invalid_numbers("null") return cjson.encode({0/0, 1/0, -1/0})"# => "[null,null,null]";
    encode_invalid_numbers_null_key: r#"cjson.encode_invalid_numbers("null") return cjson.encode({[1/0]=1})"# => r#"{"null":1}"#;
    encode_invalid_numbers_reads_back: r#"return tostring(cjson.encode_invalid_numbers("null")) .. tostring(cjson.encode_invalid_numbers()) .. tostring(cjson.encode_invalid_numbers("on")) .. tostring(cjson.encode_invalid_numbers(false))"# => "nullnulltruefalse";
    encode_invalid_numbers_bad_option: r#"return perr(function() return cjson.encode_invalid_numbers("x") end)"# => "err:user_script:1: bad argument #1 to 'encode_invalid_numbers' (invalid option 'x')";
    config_too_many_arguments: r#"return perr(function() return cjson.encode_invalid_numbers(1,2) end)"# => "err:user_script:1: bad argument #2 to 'encode_invalid_numbers' (found too many arguments)";

    /// Values that cannot be serialised.
    encode_function: r#"return perr(function() return cjson.encode(function() end) end)"# => "err:user_script:1: Cannot serialise function: type not supported";
    encode_thread: r#"return perr(function() return cjson.encode(coroutine.create(function() end)) end)"# => "err:user_script:1: Cannot serialise thread: type not supported";
    encode_nested_function: r#"return perr(cjson.encode, {a = function() end})"# => "err:Cannot serialise function: type not supported";
    encode_table_key: r#"return perr(function() return cjson.encode({[{}]=1}) end)"# => "err:user_script:1: Cannot serialise table: table key must be a number or string";
    encode_boolean_key: r#"local t = {} t[false] = 1 return perr(cjson.encode, t)"# => "err:Cannot serialise boolean: table key must be a number or string";
    encode_null: r#"return cjson.encode(cjson.null) .. cjson.encode({a=cjson.null})"# => r#"null{"a":null}"#;

    /// Arity and naming of bad-argument errors.
    encode_two_arguments: r#"return perr(function() return cjson.encode(1,2) end)"# => "err:user_script:1: bad argument #1 to 'encode' (expected 1 argument)";
    encode_no_argument_pcall: r#"return perr(cjson.encode)"# => "err:bad argument #1 to '?' (expected 1 argument)";
    encode_local_alias: r#"local e = cjson.encode; local ok, m = pcall(function() return e(1,2) end) return m"# => "user_script:1: bad argument #1 to 'e' (expected 1 argument)";
    encode_method_call: r#"local ok, m = pcall(function() return cjson:encode(1) end) return m"# => "user_script:1: calling 'encode' on bad self (expected 1 argument)";
    encode_uncaught_error: r#"return cjson.encode({[1]=1,[20]=2})"# => "ERR user_script:1: Cannot serialise table: excessively sparse array";

    /// Depth limits: encode_max_depth, and the Lua stack beyond it.
    encode_max_depth_exceeded: r#"cjson.encode_max_depth(2) return perr(function() return cjson.encode({{{1}}}) end)"# => "err:user_script:1: Cannot serialise, excessive nesting (3)";
    encode_max_depth_reached: r#"cjson.encode_max_depth(2) return perr(function() return cjson.encode({{1}}) end)"# => "ok:[[1]]";
    encode_default_depth: r#"local t = {} local c = t for i=1,1001 do c[1] = {} c = c[1] end return perr(cjson.encode, t)"# => "err:Cannot serialise, excessive nesting (1001)";
    encode_stack_limit_arrays: r#"cjson.encode_max_depth(100000) local t = {} local c = t for i=1,9000 do c[1] = {} c = c[1] end return perr(function() return cjson.encode(t) end)"# => "err:user_script:1: Cannot serialise, excessive nesting (7998)";
    encode_stack_limit_objects: r#"cjson.encode_max_depth(100000) local t = {} local c = t for i=1,9000 do c.a = {} c = c.a end return perr(function() return cjson.encode(t) end)"# => "err:user_script:1: Cannot serialise, excessive nesting (4000)";
    encode_deep_within_stack: r#"cjson.encode_max_depth(100000) local t = {} local c = t for i=1,3000 do c.a = {1} c = c.a end return #cjson.encode(t)"# => "35997";
    encode_max_depth_truncates_to_int: r#"return perr(cjson.encode_max_depth, 2^32+5)"# => "ok:5";
    encode_max_depth_int_overflow: r#"return perr(cjson.encode_max_depth, 2^31)"# => "err:bad argument #1 to '?' (expected integer between 1 and 2147483647)";
    encode_max_depth_negative_wraps: r#"return perr(cjson.encode_max_depth, -2^32+3)"# => "ok:3";
    encode_max_depth_fraction: r#"return perr(cjson.encode_max_depth, 1.9)"# => "ok:1";
    encode_max_depth_numeric_string: r#"return perr(cjson.encode_max_depth, "12")"# => "ok:12";
    encode_max_depth_zero: r#"return perr(function() return cjson.encode_max_depth(0) end)"# => "err:user_script:1: bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)";
    encode_max_depth_string: r#"return perr(function() return cjson.encode_max_depth("x") end)"# => "err:user_script:1: bad argument #1 to 'encode_max_depth' (number expected, got string)";
    keep_buffer_by_name: r#"return perr(cjson.encode_keep_buffer, "on")"# => "ok:true";
    keep_buffer_bad_option: r#"return perr(cjson.encode_keep_buffer, 1)"# => "err:bad argument #1 to '?' (invalid option '1')";
    keep_buffer_bad_type: r#"return perr(cjson.encode_keep_buffer, {})"# => "err:bad argument #1 to '?' (string expected, got table)";
    config_defaults: r#"return tostring(cjson.encode_max_depth()) .. tostring(cjson.decode_max_depth()) .. tostring(cjson.encode_number_precision()) .. tostring(cjson.encode_keep_buffer()) .. tostring(cjson.decode_invalid_numbers()) .. tostring(cjson.encode_invalid_numbers())"# => "1000100014truetruefalse";

    decode_whitespace: r#"return cjson.encode(cjson.decode(' \t\r\n{ "a" : [ true , false , null , "x" ] } '))"# => r#"{"a":[true,false,null,"x"]}"#;
    decode_duplicate_keys: r#"return cjson.encode(cjson.decode('{"a":1, "a":2}'))"# => r#"{"a":2}"#;
    decode_null_is_cjson_null: r#"return type(cjson.decode('null')) .. tostring(cjson.decode('null') == cjson.null) .. tostring(cjson.decode('[null]')[1] == cjson.null)"# => "userdatatruetrue";
    decode_escapes: r#"return hex(cjson.decode('"\\ud83d\\ude00\\u00e9\\u0041\\u07ff\\uffff\\/\\b\\f\\n\\r\\t"'))"# => "f09f9880c3a941dfbfefbfbf2f080c0a0d09";
    decode_u0000: r#"return hex(cjson.decode('"\\u0000"'))"# => "00";
    /// Raw control characters and invalid UTF-8 inside strings pass through unchecked.
    decode_raw_bytes_in_strings: r#"return hex(cjson.decode('"\t\1\255\192"'))"# => "0901ffc0";
    escape_round_trip: r#"local s = cjson.encode({["k\0/"] = "\127\31"}) return s .. " " .. hex(next(cjson.decode(s)))"# => r#"{"k\u0000\/":"\u007f\u001f"} 6b002f"#;
    new_from_new: r#"local c = cjson.new().new() c.decode_max_depth(2) return tostring(c.decode_max_depth()) .. c.encode({1})"# => "2[1]";
    decode_number_argument: r#"return perr(cjson.decode, 123)"# => "ok:123";
    decode_stops_at_nul: r#"return cjson.encode(cjson.decode('[1]\0garbage'))"# => "[1]";
    decode_strtod_forms: r#"return tostring(cjson.decode('0x10')) .. " " .. tostring(cjson.decode('+5')) .. " " .. tostring(cjson.decode('-Infinity')) .. " " .. tostring(cjson.decode('NaN')) .. " " .. tostring(cjson.decode('inf')) .. " " .. tostring(cjson.decode('01')) .. " " .. tostring(cjson.decode('1.'))"# => "16 5 -inf nan inf 1 1";
    decode_more_strtod_forms: r#"return tostring(cjson.decode('0x1p4')) .. " " .. tostring(cjson.decode('0x1.8')) .. " " .. tostring(cjson.decode('-0x10')) .. " " .. tostring(cjson.decode('1E+2')) .. " " .. tostring(cjson.decode('1.e5'))"# => "16 1.5 -16 100 100000";
    decode_negative_nan: r#"return perr(cjson.decode, '-nan')"# => "ok:-nan";
    decode_nan_payload: r#"return perr(cjson.decode, 'nan(123)')"# => "ok:nan";
    decode_infinity_upper: r#"return perr(cjson.decode, 'INFINITY')"# => "ok:inf";
    decode_overflow: r#"return perr(cjson.decode, '1e5000')"# => "ok:inf";
    decode_negative_zero: r#"cjson.decode_invalid_numbers(false) return perr(cjson.decode, '-0')"# => "ok:-0";

    /// Decoding errors.
    decode_invalid_token: r#"return cjson.decode('x')"# => "ERR user_script:1: Expected value but found invalid token at character 1";
    decode_unterminated_array: r#"return perr(cjson.decode, '[1,2')"# => "err:Expected comma or array end but found T_END at character 5";
    decode_pcall_position: r#"return perr(cjson.decode, '[1,')"# => "err:Expected value but found T_END at character 4";
    decode_missing_colon: r#"return perr(cjson.decode, '{"a" 1}')"# => "err:Expected colon but found T_NUMBER at character 6";
    decode_missing_comma: r#"return perr(cjson.decode, '{"a":1 "b"}')"# => "err:Expected comma or object end but found T_STRING at character 8";
    decode_number_key: r#"return perr(cjson.decode, '{1:2}')"# => "err:Expected object key string but found T_NUMBER at character 2";
    decode_array_missing_comma: r#"return perr(cjson.decode, '[1 2]')"# => "err:Expected comma or array end but found T_NUMBER at character 4";
    decode_trailing_comma_array: r#"return perr(cjson.decode, '[1,]')"# => "err:Expected value but found T_ARR_END at character 4";
    decode_trailing_comma_object: r#"return perr(cjson.decode, '{"a":1,}')"# => "err:Expected object key string but found T_OBJ_END at character 8";
    decode_lone_comma_object: r#"return perr(cjson.decode, '{,}')"# => "err:Expected object key string but found T_COMMA at character 2";
    decode_lone_comma_array: r#"return perr(cjson.decode, '[,]')"# => "err:Expected value but found T_COMMA at character 2";
    decode_missing_value: r#"return perr(cjson.decode, '{"a":}')"# => "err:Expected value but found T_OBJ_END at character 6";
    decode_two_values: r#"return perr(cjson.decode, 'true false')"# => "err:Expected the end but found T_BOOLEAN at character 6";
    decode_garbage_after: r#"return perr(cjson.decode, '1 x')"# => "err:Expected the end but found invalid token at character 3";
    decode_dangling_exponent: r#"return perr(cjson.decode, '1e')"# => "err:Expected the end but found invalid token at character 2";
    decode_bare_hex_prefix: r#"return perr(cjson.decode, '0x')"# => "err:Expected the end but found invalid token at character 2";
    decode_hex_prefix_garbage: r#"return perr(cjson.decode, '0xg')"# => "err:Expected the end but found invalid token at character 2";
    decode_partial_infinity: r#"return perr(cjson.decode, 'infinit')"# => "err:Expected the end but found invalid token at character 4";
    decode_unterminated_string: r#"return perr(cjson.decode, '"abc')"# => "err:Expected value but found unexpected end of string at character 5";
    decode_nul_in_string: r#"return perr(cjson.decode, '"a\0b"')"# => "err:Expected value but found unexpected end of string at character 3";
    decode_bad_escape: r#"return perr(cjson.decode, '"a\\qb"')"# => "err:Expected value but found invalid escape code at character 3";
    decode_short_unicode: r#"return perr(cjson.decode, '"a\\u12"')"# => "err:Expected value but found invalid unicode escape code at character 3";
    decode_short_unicode_at_start: r#"return perr(cjson.decode, '"\\u00"')"# => "err:Expected value but found invalid unicode escape code at character 2";
    decode_lone_low_surrogate: r#"return perr(cjson.decode, '"a\\udc00"')"# => "err:Expected value but found invalid unicode escape code at character 3";
    decode_lone_high_surrogate: r#"return perr(cjson.decode, '"a\\ud800x"')"# => "err:Expected value but found invalid unicode escape code at character 3";
    decode_high_surrogate_then_other: r#"return perr(cjson.decode, '"a\\ud800\\u0041"')"# => "err:Expected value but found invalid unicode escape code at character 3";
    decode_empty: r#"return perr(cjson.decode, '')"# => "err:Expected value but found T_END at character 1";
    decode_close_bracket: r#"return perr(cjson.decode, ']')"# => "err:Expected value but found T_ARR_END at character 1";
    decode_partial_null: r#"return perr(cjson.decode, 'nul')"# => "err:Expected value but found invalid token at character 1";
    decode_partial_true: r#"return perr(cjson.decode, 'tru')"# => "err:Expected value but found invalid token at character 1";
    decode_leading_dot: r#"return perr(cjson.decode, '.5')"# => "err:Expected value but found invalid token at character 1";
    decode_lone_minus: r#"return perr(cjson.decode, '-')"# => "err:Expected value but found invalid number at character 1";
    decode_plus_garbage: r#"return perr(cjson.decode, '+x')"# => "err:Expected value but found invalid number at character 1";
    decode_vertical_tab: r#"return perr(cjson.decode, '\v1')"# => "err:Expected value but found invalid token at character 1";
    decode_utf16_first: r#"return perr(cjson.decode, '\0a')"# => "err:JSON parser does not support UTF-16 or UTF-32";
    decode_utf16_second: r#"return perr(cjson.decode, 'a\0')"# => "err:JSON parser does not support UTF-16 or UTF-32";
    decode_no_argument: r#"return perr(cjson.decode)"# => "err:bad argument #1 to '?' (expected 1 argument)";
    decode_two_arguments: r#"return perr(cjson.decode, 1, 2)"# => "err:bad argument #1 to '?' (expected 1 argument)";
    decode_table_argument: r#"return perr(cjson.decode, {})"# => "err:bad argument #1 to '?' (string expected, got table)";

    /// Strict numbers when decode_invalid_numbers is off.
    strict_hex: r#"cjson.decode_invalid_numbers(false) return perr(cjson.decode, '0x10')"# => "err:Expected value but found invalid number at character 1";
    strict_plus: r#"cjson.decode_invalid_numbers(false) return perr(cjson.decode, '+1')"# => "err:Expected value but found invalid token at character 1";
    strict_nan: r#"cjson.decode_invalid_numbers(false) return perr(cjson.decode, 'NaN')"# => "err:Expected value but found invalid token at character 1";
    strict_negative_inf: r#"cjson.decode_invalid_numbers(false) return perr(cjson.decode, '-inf')"# => "err:Expected value but found invalid number at character 1";
    strict_leading_zero: r#"cjson.decode_invalid_numbers(false) return perr(cjson.decode, '01')"# => "err:Expected value but found invalid number at character 1";

    /// Decode depth: decode_max_depth, and the Lua stack beyond it.
    decode_max_depth_array: r#"cjson.decode_max_depth(1) return perr(cjson.decode, '[[1]]')"# => "err:Found too many nested data structures (2) at character 2";
    decode_max_depth_object: r#"cjson.decode_max_depth(1) return perr(cjson.decode, '{"a":{"b":1}}')"# => "err:Found too many nested data structures (2) at character 6";
    decode_default_depth: r#"return perr(cjson.decode, string.rep("[", 1001))"# => "err:Found too many nested data structures (1001) at character 1001";
    decode_stack_limit_arrays: r#"cjson.decode_max_depth(100000) return perr(cjson.decode, string.rep("[", 9000))"# => "err:Found too many nested data structures (7999) at character 7999";
    decode_stack_limit_objects: r#"cjson.decode_max_depth(100000) return perr(cjson.decode, string.rep('{"a":', 9000))"# => "err:Found too many nested data structures (4000) at character 19996";
    decode_stack_limit_position: r#"cjson.decode_max_depth(100000) return perr(function() return cjson.decode(string.rep("[", 9000)) end)"# => "err:user_script:1: Found too many nested data structures (7999) at character 7999";
    decode_deep_round_trip: r#"cjson.decode_max_depth(100000) cjson.encode_max_depth(100000) local s = string.rep('{"a":[', 2000) .. "1" .. string.rep(']}', 2000) return tostring(cjson.encode(cjson.decode(s)) == s)"# => "true";

    /// The module table.
    module_fields: r#"local t = {} for k in pairs(cjson) do t[#t+1]=k end table.sort(t) return table.concat(t, ",")"# => "_NAME,_VERSION,decode,decode_invalid_numbers,decode_max_depth,encode,encode_invalid_numbers,encode_keep_buffer,encode_max_depth,encode_number_precision,encode_sparse_array,new,null";
    module_name_version: r#"return cjson._NAME .. " " .. cjson._VERSION"# => "cjson 2.1.0";
    null_prints_as_nil_pointer: r#"return tostring(cjson.null) == "userdata: (nil)" and "y" or tostring(cjson.null)"# => "y";
    new_has_own_config: r#"local c = cjson.new() c.encode_max_depth(1) return tostring(cjson.encode_max_depth()) .. tostring(c.encode_max_depth())"# => "10001";
    big_round_trip: r#"local t = {} for i = 1, 20000 do t[i] = {i, tostring(i), {k = i}} end local s = cjson.encode(t) local u = cjson.decode(s) return #s .. " " .. u[20000][2] .. " " .. u[777][3].k"# => "526683 20000 777";
}

/// Lua CJSON keeps its configuration in the Lua state: it survives from one chunk to the next.
#[test]
fn configuration_persists_in_the_state() {
    let lua = common::lua();
    lua.load("cjson.encode_max_depth(3)").exec().unwrap();
    let depth: i64 = lua.load("return cjson.encode_max_depth()").eval().unwrap();
    assert_eq!(depth, 3);
}

/// Regression: each number token once scanned the rest of the text for a NUL byte, making
/// decoding quadratic (a 20000-element array took seconds).
#[test]
fn decoding_long_arrays_is_linear() {
    let len: i64 = common::lua()
        .load("return #cjson.decode('[' .. string.rep('1.5,', 200000) .. '1]')")
        .eval()
        .unwrap();
    assert_eq!(len, 200001);
}
