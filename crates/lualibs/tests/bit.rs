//! `bit` (LuaBitOp) as Redis 7.0.15 has it: 32-bit semantics on Lua doubles, checked against a
//! real redis-server (see `common` for the parity run).

mod common;

lua_cases! {
    /// Normalisation: modulo 2^32, rounding to nearest (ties to even) below 2^51, 0 for inf/NaN,
    /// numeric strings accepted.
    tobit_normalises: r#"return table.concat({bit.tobit(0xffffffff), bit.tobit(2^32+5), bit.tobit(-1), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(2^52), bit.tobit(2^53+3), bit.tobit(2^63), bit.tobit(1e300), bit.tobit(1/0), bit.tobit(0/0), bit.tobit("0x10"), bit.tobit(" 12 ")}, " ")"# => "-1 5 -1 2 2 -2 0 2 0 -2013235812 0 0 16 12";
    tobit_edges: r#"return table.concat({bit.tobit(-2147483648.5), bit.tobit(2147483647.5), bit.tobit(0.5), bit.tobit(-0.5), bit.tobit(3.5), bit.tobit(2^51 + 0.5), bit.tobit(-2^51)}, " ")"# => "-2147483648 -2147483648 0 0 4 0 0";
    tobit_zero: r#"return tostring(bit.tobit("0")) .. tostring(bit.tobit(0))"# => "00";
    tobit_extra_arguments_ignored: r#"return tostring(bit.tobit(1, "garbage"))"# => "1";
    /// Operations, with negative and wider-than-32-bit inputs.
    operations: r#"return table.concat({bit.bnot(0), bit.bnot(-1), bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2^31), bit.bxor(-1, 1), bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.rshift(-1, 1), bit.arshift(-256, 4), bit.rol(0x80000001, 1), bit.ror(1, 1), bit.bswap(0x12345678), bit.lshift(1, -1), bit.rshift(0x80000000, 0)}, " ")"# => "-1 0 3 -2147483647 -2 -2147483648 1 2 2147483647 -16 3 -2147483648 2018915346 -2147483648 -2147483648";
    shifts_and_rotations: r#"return table.concat({bit.arshift(0x80000000, 31), bit.arshift(1, 33), bit.rol(1, 32), bit.ror(1, 0), bit.rol(0x12345678, 4), bit.ror(0x12345678, 4)}, " ")"# => "-1 0 1 1 591751041 -2128394905";
    wide_operands: r#"return table.concat({bit.band(2^40 + 7, 5), bit.bor(-2^40, 1), bit.bxor(2^32 + 1, 3), bit.bnot(2^33), bit.band(-1.5, -1)}, " ")"# => "5 1 2 -1 -2";
    tohex: r#"return table.concat({bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -2), bit.tohex(0x12345678, 0), bit.tohex(1, 12), bit.tohex(1, -12), bit.tohex(65535, -2147483648), bit.tohex(2^32+255)}, " ")"# => "000000ff ffffffff ff FF  00000001 00000001 0000FFFF 000000ff";
    many_arguments: r#"local t = {} for i = 1, 5000 do t[i] = 2^(i % 31) end return bit.bor(unpack(t))"# => "2147483647";

    /// Argument errors.
    not_a_number: r#"return perr(function() return bit.tobit("abc") end)"# => "err:user_script:1: bad argument #1 to 'tobit' (number expected, got string)";
    no_argument: r#"return perr(function() return bit.band() end)"# => "err:user_script:1: bad argument #1 to 'band' (number expected, got no value)";
    /// Arguments after the first are checked from the last one down.
    checked_from_the_end: r#"return perr(function() return bit.band(1, "x", "y") end)"# => "err:user_script:1: bad argument #3 to 'band' (number expected, got string)";
    nil_hex_width: r#"return perr(function() return bit.tohex(1, nil) end)"# => "err:user_script:1: bad argument #2 to 'tohex' (number expected, got nil)";
    table_argument: r#"return perr(function() return bit.tobit({}) end)"# => "err:user_script:1: bad argument #1 to 'tobit' (number expected, got table)";
    nil_argument: r#"return perr(function() return bit.tobit(nil) end)"# => "err:user_script:1: bad argument #1 to 'tobit' (number expected, got nil)";
    missing_shift: r#"return perr(function() return bit.lshift(1) end)"# => "err:user_script:1: bad argument #2 to 'lshift' (number expected, got no value)";
    bad_third: r#"return perr(function() return bit.bor(1, 2, {}) end)"# => "err:user_script:1: bad argument #3 to 'bor' (number expected, got table)";
    bad_many: r#"local t = {} for i = 1, 100 do t[i] = i end t[50] = "x" return perr(function() return bit.bxor(unpack(t)) end)"# => "err:user_script:1: bad argument #50 to 'bxor' (number expected, got string)";

    module_fields: r#"local t = {} for k in pairs(bit) do t[#t+1]=k end table.sort(t) return table.concat(t, ",")"# => "arshift,band,bnot,bor,bswap,bxor,lshift,rol,ror,rshift,tobit,tohex";
}
