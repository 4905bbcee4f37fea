//! `cmsgpack` as Redis 7.0.15 has it: encodings byte for byte, decoding, and error texts checked
//! against a real redis-server (see `common` for the parity run).

mod common;

lua_cases! {
    /// Integers take the smallest form for their sign.
    pack_integers: r#"return hex(cmsgpack.pack(0, 127, 128, 255, 256, 65535, 65536, 2^32-1, 2^32, 2^53, -1, -32, -33, -128, -129, -32768, -32769, -2^31, -2^31-1, -2^63))"# => "007fcc80ccffcd0100cdffffce00010000ceffffffffcf0000000100000000cf0020000000000000ffe0d0dfd080d1ff7fd18000d2ffff7fffd280000000d3ffffffff7fffffffd38000000000000000";
    /// Non-integers: float32 when exact, else float64; 2^63 is not an int64; -0 is the integer 0.
    pack_floats: r#"return hex(cmsgpack.pack(2^63, 2^64, -2^63-4096, 0.5, 0.1, 1/0, -1/0, 0/0, -0.0, 1e300, 3.4028234663852886e38, 1.401298464324817e-45))"# => "ca5f000000ca5f800000cbc3e0000000000002ca3f000000cb3fb999999999999aca7f800000caff800000cbfff800000000000000cb7e37e43c8800759cca7f7fffffca00000001";
    /// nil, booleans, strings, tables (the empty table is an array), unsupported types as nil.
    pack_other_types: r#"return hex(cmsgpack.pack(nil, true, false, "", "abc", {}, {1,2}, {a=1}, {[1]=1,[3]=3}, {[0]=1}, cjson.null))"# => "c0c3c2a0a36162639092010281a161018201010303810001c0";
    pack_functions_and_threads: r#"return hex(cmsgpack.pack(function() end, coroutine.create(function() end)))"# => "c0c0";
    pack_multiple: r#"return hex(cmsgpack.pack("a", 1, {}))"# => "a1610190";
    pack_float_key: r#"return hex(cmsgpack.pack({[1.5]=true}))"# => "81ca3fc00000c3";
    pack_huge_index_is_map: r#"return hex(cmsgpack.pack({[3e9]=true}))"# => "81ceb2d05e00c3";
    /// String size classes: fixstr < 32, str8 <= 255, str16 <= 65535, str32 beyond.
    pack_string_sizes: r#"return hex(cmsgpack.pack(string.rep("x", 31))) .. " " .. hex(string.sub(cmsgpack.pack(string.rep("x", 32)), 1, 3)) .. " " .. hex(string.sub(cmsgpack.pack(string.rep("x", 255)), 1, 3)) .. " " .. hex(string.sub(cmsgpack.pack(string.rep("x", 256)), 1, 4)) .. " " .. hex(string.sub(cmsgpack.pack(string.rep("x", 65535)), 1, 4)) .. " " .. hex(string.sub(cmsgpack.pack(string.rep("x", 65536)), 1, 6))"# => "bf78787878787878787878787878787878787878787878787878787878787878 d92078 d9ff78 da010078 daffff78 db0001000078";
    /// Array size classes: fixarray <= 15, array16 <= 65535, array32 beyond.
    pack_array_sizes: r#"local t = {} for i=1,15 do t[i]=i end local u = {} for i=1,16 do u[i]=i end local v = {} for i=1,65536 do v[i]=1 end return hex(string.sub(cmsgpack.pack(t),1,2)) .. " " .. hex(string.sub(cmsgpack.pack(u),1,4)) .. " " .. hex(string.sub(cmsgpack.pack(v),1,6))"# => "9f01 dc001001 dd0001000001";
    /// Map size classes: fixmap <= 15, map16 <= 65535, map32 beyond.
    pack_map_sizes: r#"local t = {} for i=1,15 do t["k"..i]=i end local u = {} for i=1,16 do u["k"..i]=i end local v = {} for i=1,65536 do v["k"..i]=1 end return hex(string.sub(cmsgpack.pack(t),1,1)) .. " " .. hex(string.sub(cmsgpack.pack(u),1,3)) .. " " .. hex(string.sub(cmsgpack.pack(v),1,5))"# => "8f de0010 df00010000";
    /// Tables nested 16 deep become nil: circular references terminate.
    pack_nesting_limit: r#"local t = {} local c = t for i=1,20 do c[1] = {} c = c[1] end return hex(cmsgpack.pack(t))"# => "91919191919191919191919191919191c0";
    pack_circular: r#"local a = {} a.x = a return #cmsgpack.pack(a)"# => "49";
    pack_table_keys: r#"local t = {} for i=1,20 do t[{}] = 1 end return hex(cmsgpack.pack(t))"# => "de001490019001900190019001900190019001900190019001900190019001900190019001900190019001";
    pack_needs_input: r#"return perr(function() return cmsgpack.pack() end)"# => "err:user_script:1: bad argument #0 to 'pack' (MessagePack pack needs input.)";
    pack_needs_input_pcall: r#"return perr(cmsgpack.pack)"# => "err:bad argument #0 to '?' (MessagePack pack needs input.)";
    /// More than 4000 arguments do not fit twice in the C function's stack.
    pack_too_many_arguments: r#"local t = {} for i = 1, 4001 do t[i] = i end return perr(function() return cmsgpack.pack(unpack(t)) end)"# => "err:user_script:1: bad argument #0 to 'pack' (Too many arguments for MessagePack pack.)";
    pack_many_arguments: r#"local t = {} for i = 1, 4000 do t[i] = "s" .. i end return #cmsgpack.pack(unpack(t))"# => "22893";

    /// Decoding every type.
    unpack_integers: r#"local t = {cmsgpack.unpack("\204\255\205\1\2\206\255\255\255\255\207\255\255\255\255\255\255\255\255\207\127\255\255\255\255\255\255\255\208\128\209\128\0\210\128\0\0\0\211\128\0\0\0\0\0\0\0\224\127")} local o = {} for i=1,#t do o[i] = string.format("%.17g", t[i]) end return table.concat(o, " ")"# => "255 258 4294967295 -1 9.2233720368547758e+18 -128 -32768 -2147483648 -9.2233720368547758e+18 -32 127";
    unpack_floats_and_atoms: r#"local t = {cmsgpack.unpack("\202\63\192\0\0\203\63\185\153\153\153\153\153\154\192\195\194")} return tostring(t[1]) .. " " .. tostring(t[2]) .. " " .. tostring(t[3]) .. " " .. tostring(t[4]) .. " " .. tostring(t[5])"# => "1.5 0.1 nil true false";
    unpack_strings_and_containers: r#"return cjson.encode({cmsgpack.unpack("\217\3abc\218\0\2de\219\0\0\0\1f\163ghi\146\1\2\220\0\1\3\221\0\0\0\1\4\129\161a\1\222\0\1\161b\2\223\0\0\0\1\161c\3")})"# => r#"["abc","de","f","ghi",[1,2],[3],[4],{"a":1},{"b":2},{"c":3}]"#;
    unpack_empty_input: r#"return select('#', cmsgpack.unpack(""))"# => "0";
    unpack_number_argument: r#"return perr(function() return cmsgpack.unpack(123) end)"# => "ok:49";
    unpack_nil_values_kept: r#"return select('#', cmsgpack.unpack("\192\192\192"))"# => "3";
    unpack_table_keys: r#"local t = cmsgpack.unpack("\129\146\1\2\163abc") for k, v in pairs(t) do return k[2] .. v end"# => "2abc";
    unpack_nil_map_value: r#"local t = cmsgpack.unpack("\130\161a\192\161b\1") return tostring(t.a) .. tostring(t.b)"# => "nil1";
    unpack_deep: r#"local s = string.rep("\145", 3000) .. "\1" local t = cmsgpack.unpack(s) for i = 1, 3000 do t = t[1] end return t"# => "1";
    unpack_deep_maps: r#"local s = string.rep("\129\161k", 2000) .. "\7" local t = cmsgpack.unpack(s) for i = 1, 2000 do t = t.k end return t"# => "7";

    /// Decoding errors.
    unpack_bad_format: r#"return perr(function() return cmsgpack.unpack("\192\193") end)"# => "err:user_script:1: Bad data format in input.";
    unpack_bin_unsupported: r#"return perr(function() return cmsgpack.unpack("\196\1a") end)"# => "err:user_script:1: Bad data format in input.";
    unpack_ext_unsupported: r#"return perr(function() return cmsgpack.unpack("\212\1a") end)"# => "err:user_script:1: Bad data format in input.";
    unpack_missing_bytes: r#"return perr(function() return cmsgpack.unpack("\205\1") end)"# => "err:user_script:1: Missing bytes in input.";
    unpack_missing_array_items: r#"return perr(function() return cmsgpack.unpack("\221\255\255\255\255") end)"# => "err:user_script:1: Missing bytes in input.";
    unpack_missing_string_bytes: r#"return perr(function() return cmsgpack.unpack("\219\0\0\0\5abc") end)"# => "err:user_script:1: Missing bytes in input.";
    unpack_missing_map_value: r#"return perr(function() return cmsgpack.unpack("\129\1") end)"# => "err:user_script:1: Missing bytes in input.";
    /// lua_settable's own errors carry no position.
    unpack_nil_key: r#"return perr(function() return cmsgpack.unpack("\129\192\1") end)"# => "err:table index is nil";
    unpack_nan_key: r#"return perr(function() return cmsgpack.unpack("\129\203\127\248\0\0\0\0\0\0\1") end)"# => "err:table index is NaN";
    unpack_no_argument: r#"return perr(function() return cmsgpack.unpack() end)"# => "err:user_script:1: bad argument #1 to 'unpack' (string expected, got no value)";
    unpack_table_argument: r#"return perr(function() return cmsgpack.unpack({}) end)"# => "err:user_script:1: bad argument #1 to 'unpack' (string expected, got table)";

    /// The Lua stack bounds how many values come out at once, and how deep.
    unpack_many_values: r#"local s = string.rep("\192", 7990) return perr(function() return select('#', cmsgpack.unpack(s)) end)"# => "ok:7990";
    unpack_max_values: r#"local s = string.rep("\161x", 7999) return perr(function() return select('#', cmsgpack.unpack(s)) end)"# => "ok:7999";
    unpack_too_many_values: r#"local s = string.rep("\192", 8100) return perr(function() return select('#', cmsgpack.unpack(s)) end)"# => "err:user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)";
    unpack_too_many_values_with_extra_args: r#"local s = string.rep("\192", 7999) return perr(function() return select('#', cmsgpack.unpack(s, 1)) end)"# => "err:user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)";
    unpack_too_deep_arrays: r#"local s = string.rep("\145", 5000) .. "\192" return perr(function() return select('#', cmsgpack.unpack(s)) end)"# => "err:user_script:1: stack overflow (in function mp_decode_to_lua_array)";
    unpack_too_deep_maps: r#"local s = string.rep("\129\192", 5000) .. "\192" return perr(function() return select('#', cmsgpack.unpack(s)) end)"# => "err:user_script:1: stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)";

    /// unpack_one and unpack_limit return the next offset first (-1 at the end).
    unpack_one: r#"local a, b, c = cmsgpack.unpack_one(cmsgpack.pack(1, 2)) return tostring(a) .. " " .. tostring(b) .. " " .. tostring(c)"# => "1 1 nil";
    unpack_one_offset: r#"local a, b, c = cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1) return tostring(a) .. " " .. tostring(b) .. " " .. tostring(c)"# => "-1 2 nil";
    unpack_one_at_end: r#"local a, b, c = cmsgpack.unpack_one(cmsgpack.pack(1, 2), 2) return tostring(a) .. " " .. tostring(b) .. " " .. tostring(c)"# => "-1 nil nil";
    unpack_one_past_end: r#"return perr(function() return cmsgpack.unpack_one(cmsgpack.pack(1, 2), 3) end)"# => "err:user_script:1: Start offset 3 greater than input length 2.";
    unpack_one_negative_offset: r#"return perr(function() return cmsgpack.unpack_one(cmsgpack.pack(1, 2), -1) end)"# => "err:user_script:1: Invalid request to unpack with offset of -1 and limit of 2.";
    unpack_one_no_argument: r#"return perr(function() return cmsgpack.unpack_one() end)"# => "err:user_script:1: bad argument #1 to 'unpack_one' (string expected, got no value)";
    unpack_one_bad_offset: r#"return perr(function() return cmsgpack.unpack_one("\1", "x") end)"# => "err:user_script:1: bad argument #2 to 'unpack_one' (number expected, got string)";
    unpack_limit: r#"local a, b, c, d = cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2) return tostring(a) .. " " .. tostring(b) .. " " .. tostring(c) .. " " .. tostring(d)"# => "2 1 2 nil";
    /// Limit 0 and offset 0 mean "everything", without an offset result.
    unpack_limit_zero: r#"local a, b, c, d = cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0) return tostring(a) .. " " .. tostring(b) .. " " .. tostring(c) .. " " .. tostring(d)"# => "1 2 3 nil";
    unpack_limit_zero_with_offset: r#"local a, b, c, d = cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 0, 1) return tostring(a) .. " " .. tostring(b) .. " " .. tostring(c) .. " " .. tostring(d)"# => "1 nil nil nil";
    /// The message reports the input length where it says "limit".
    unpack_limit_negative: r#"return perr(function() return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), -1) end)"# => "err:user_script:1: Invalid request to unpack with offset of 0 and limit of 3.";
    unpack_limit_missing: r#"return perr(function() return cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3)) end)"# => "err:user_script:1: bad argument #2 to 'unpack_limit' (number expected, got no value)";
    unpack_limit_nil_input: r#"return perr(function() return cmsgpack.unpack_limit(nil, 1) end)"# => "err:user_script:1: bad argument #1 to 'unpack_limit' (string expected, got nil)";
    unpack_limit_many: r#"local s = string.rep("\1", 9000) local r = {cmsgpack.unpack_limit(s, 7000, 10)} return #r .. " " .. r[1]"# => "7001 7010";

    round_trip_numbers: r#"local t = {0, 1, -1, 127, 128, -32, -33, 255, 256, 65535, 65536, 2^32, -2^31-1, 2^53, -2^53, 0.5, 0.1, 1e300, -1e-300, 1/0, -1/0} local u = {cmsgpack.unpack(cmsgpack.pack(unpack(t)))} for i = 1, #t do assert(u[i] == t[i], i) end return #u"# => "21";

    /// The module table.
    module_fields: r#"local t = {} for k in pairs(cmsgpack) do t[#t+1]=k end table.sort(t) return table.concat(t, ",")"# => "_COPYRIGHT,_DESCRIPTION,_NAME,_VERSION,pack,unpack,unpack_limit,unpack_one";
    module_metadata: r#"return cmsgpack._VERSION .. "|" .. cmsgpack._COPYRIGHT .. "|" .. cmsgpack._DESCRIPTION .. "|" .. cmsgpack._NAME"# => "lua-cmsgpack 0.4.0|Copyright (C) 2012, Salvatore Sanfilippo|MessagePack C implementation for Lua|cmsgpack";
}
