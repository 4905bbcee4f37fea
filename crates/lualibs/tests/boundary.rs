//! How the library functions behave as Lua functions, whichever library: errors are plain strings
//! positioned like lauxlib's, bad-argument errors name the function as the caller spelled it, the
//! tables are plain, and no input size or depth breaks the Rust side (mlua's reference stack is as
//! small as Lua's own).

mod common;

use mlua::{Function, Table};

lua_cases! {
    /// pcall returns the message itself, a string, as with Redis's C functions.
    error_is_a_string: r#"local ok, e = pcall(cjson.decode, 'x') return type(e) .. ":" .. e"# => "string:Expected value but found invalid token at character 1";
    error_in_coroutine: r#"local co = coroutine.create(function() return cjson.encode(1, 2) end) local ok, e = coroutine.resume(co) return tostring(ok) .. " " .. e"# => "false user_script:1: bad argument #1 to 'encode' (expected 1 argument)";
    error_via_xpcall: r#"local ok, e = xpcall(function() return bit.tobit({}) end, function(m) return "handled: " .. m end) return e"# => "handled: user_script:1: bad argument #1 to 'tobit' (number expected, got table)";
    /// The position is the line of the call.
    error_position_line: r#"local ok, e = pcall(function()
            local x = 1
            return struct.pack("z")
        end) return e"# => "user_script:3: bad argument #1 to 'pack' (invalid format option 'z')";
    /// Names come from the call site: field, local, global-less pcall ('?'), method.
    name_from_field: r#"return perr(function() return struct.size() end)"# => "err:user_script:1: bad argument #1 to 'size' (string expected, got no value)";
    name_from_local: r#"local sz = struct.size return perr(function() return sz() end)"# => "err:user_script:1: bad argument #1 to 'sz' (string expected, got no value)";
    name_from_upvalue_table: r#"local m = {f = bit.tobit} return perr(function() return m.f() end)"# => "err:user_script:1: bad argument #1 to 'f' (number expected, got no value)";
    name_unknown_under_pcall: r#"return perr(bit.tobit)"# => "err:bad argument #1 to '?' (number expected, got no value)";
    name_for_method_call: r#"return perr(function() return bit:tobit() end)"# => "err:user_script:1: calling 'tobit' on bad self (number expected, got table)";
    name_for_method_call_later_argument: r#"return perr(function() return cmsgpack:unpack_limit() end)"# => "err:user_script:1: bad argument #1 to 'unpack_limit' (number expected, got no value)";
    name_for_method_call_bad_self: r#"return perr(function() return struct:size() end)"# => "err:user_script:1: calling 'size' on bad self (string expected, got table)";
    tables_have_no_metatable: r#"return tostring(getmetatable(cjson) == nil and getmetatable(cmsgpack) == nil and getmetatable(bit) == nil and getmetatable(struct) == nil)"# => "true";
    /// Many arguments (they travel packed in a table).
    many_arguments: r#"local t = {} for i = 1, 7000 do t[i] = "c" end return #struct.pack(string.rep("c1", 7000), unpack(t))"# => "7000";
    many_arguments_arity_error: r#"local t = {} for i = 1, 7000 do t[i] = "c" end return perr(function() return cjson.encode(unpack(t)) end)"# => "err:user_script:1: bad argument #1 to 'encode' (expected 1 argument)";
    many_arguments_with_nils: r#"local t = {} t[30] = 5 return perr(function() return bit.bor(1, unpack(t, 1, 30)) end)"# => "err:user_script:1: bad argument #30 to 'bor' (number expected, got nil)";
    /// Many results (they travel packed in a table).
    many_string_results: r#"local s = string.rep("\161x", 7999) local r = {cmsgpack.unpack(s)} return #r .. r[7999]"# => "7999x";
    /// Deep structures up to the C limits.
    deep_json_round_trip: r#"cjson.decode_max_depth(100000) cjson.encode_max_depth(100000) local s = string.rep("[", 7990) .. "1" .. string.rep("]", 7990) return tostring(cjson.encode(cjson.decode(s)) == s)"# => "true";
    deep_json_objects: r#"cjson.decode_max_depth(100000) cjson.encode_max_depth(100000) local s = string.rep('{"k":', 3990) .. '"v"' .. string.rep("}", 3990) return tostring(cjson.encode(cjson.decode(s)) == s)"# => "true";
    deep_msgpack: r#"local s = string.rep("\145", 3998) .. "\1" local t = cmsgpack.unpack(s) for i = 1, 3998 do t = t[1] end return t"# => "1";
    /// Tables with metatables are read raw.
    metatables_ignored: r#"local t = setmetatable({1, 2}, {__index = function() return 9 end, __len = function() return 7 end}) return cjson.encode(t) .. hex(cmsgpack.pack(t))"# => "[1,2]920102";
}

/// Called from Rust, an error is an mlua runtime error carrying the message (no Lua caller, so no
/// position), to which mlua appends a traceback as it does for any string error.
#[test]
fn error_seen_from_rust_is_the_message() {
    let lua = common::lua();
    let cjson: Table = lua.globals().get("cjson").unwrap();
    let decode: Function = cjson.get("decode").unwrap();
    match decode.call::<mlua::Value>("[1,") {
        Err(mlua::Error::RuntimeError(msg)) => {
            assert_eq!(
                msg.lines().next(),
                Some("Expected value but found T_END at character 4")
            );
        }
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

/// To the debug interface the library functions are C functions, like Redis's.
#[test]
fn functions_are_c_functions() {
    // SAFETY: a test state; the debug library is only used to inspect the functions.
    let lua = unsafe { mlua::Lua::unsafe_new() };
    ferrodis_lualibs::open_all(&lua).unwrap();
    let what: String = lua
        .load("return debug.getinfo(cjson.encode).what .. debug.getinfo(bit.band, 'S').short_src")
        .eval()
        .unwrap();
    assert_eq!(what, "C[C]");
}

/// Results come back to Rust as Lua values.
#[test]
fn values_seen_from_rust() {
    let lua = common::lua();
    let cmsgpack: Table = lua.globals().get("cmsgpack").unwrap();
    let pack: Function = cmsgpack.get("pack").unwrap();
    let packed: mlua::LuaString = pack.call((1, "a", true)).unwrap();
    assert_eq!(&packed.as_bytes()[..], b"\x01\xa1a\xc3");
    let unpack: Function = cmsgpack.get("unpack").unwrap();
    let (n, s, b): (i64, String, bool) = unpack.call(packed).unwrap();
    assert_eq!((n, s.as_str(), b), (1, "a", true));
}

/// Each Lua state gets its own libraries and its own cjson configuration.
#[test]
fn states_are_independent() {
    let a = common::lua();
    let b = common::lua();
    a.load("cjson.encode_max_depth(5)").exec().unwrap();
    let depth: i64 = b.load("return cjson.encode_max_depth()").eval().unwrap();
    assert_eq!(depth, 1000);
}

/// The library tables are plain: a caller can freeze them by swapping in a proxy, and nothing in
/// the libraries depends on the global names once registered.
#[test]
fn functions_work_after_globals_are_removed() {
    let lua = common::lua();
    let out: String = lua
        .load("local c = cjson cjson = nil return c.encode({c.decode('[true]')[1]})")
        .eval()
        .unwrap();
    assert_eq!(out, "[true]");
}

/// Under a memory limit, a library function that cannot allocate raises Lua's own
/// "not enough memory", as a string.
#[test]
fn allocation_failure_is_lua_memory_error() {
    let lua = common::lua();
    let big = lua.create_string(vec![b'a'; 4 << 20]).unwrap();
    lua.globals().set("S", big).unwrap();
    lua.set_memory_limit(lua.used_memory() + (1 << 20)).unwrap();
    let out: String = lua
        .load("local ok, e = pcall(cjson.encode, S) return type(e) .. ':' .. tostring(e)")
        .eval()
        .unwrap();
    assert_eq!(out, "string:not enough memory");
}
