//! The Lua/Rust boundary: how a Rust function becomes a Lua function that behaves, as seen from a
//! script, like one of the C functions Redis registers (`lua_CFunction`s written against lauxlib).
//!
//! What a script can observe and we therefore reproduce:
//! - Errors are plain strings. mlua raises a callback's `Err` as a userdata, so
//!   `pcall(cjson.decode, "x")` would not return a string; instead each library function is an
//!   mlua function that never raises (it returns a [`Status`] first) wrapped in a tiny C closure,
//!   [`boundary`], that raises the message with `lua_error`, prefixed by `luaL_where(L, 1)` exactly
//!   when the C library used `luaL_error` ([`Fail::Error`]), bare when the Lua VM raised it from
//!   inside the C function ([`Fail::Raw`], e.g. "table index is nil").
//! - `luaL_argerror` names the function as the caller spelled it (`'encode'`, `'?'` under `pcall`,
//!   "calling 'x' on bad self" for method calls): [`Args::arg_error`] asks the debug interface about
//!   the C closure, one level up from the mlua function.
//! - The Lua stack limit (`LUAI_MAXCSTACK`, 8000 slots per C call) decides where deep nesting
//!   and huge result lists fail; the libraries count slots the way their C versions use them.
//!
//! mlua keeps every live `Value` that refers to a Lua object in an auxiliary stack with the same
//! 8000-slot limit, and exceeding it panics. So nothing here holds a number of values that grows
//! with the input: many arguments and many results travel in a Lua table ([`Args`], [`Ret::Packed`]),
//! and deep structures park their outer levels in Lua ([`Parked`]).
//!
//! This module knows nothing about any particular library.

use std::borrow::Cow;
use std::ffi::c_int;

use mlua::{FromLua, Function, IntoLua, Lua, LuaString, MultiValue, Table, Value, ffi};

use crate::cnum;

/// `LUAI_MAXCSTACK` of Redis's Lua: the most stack slots a C function may use.
pub(crate) const MAX_C_STACK: usize = 8000;

/// Arguments beyond this count reach the Rust side packed in a table rather than one mlua
/// reference each.
const DIRECT_ARGS_MAX: c_int = 16;

/// How a library function call ended: an error to raise, as its C version would have raised it,
/// or an error of the machinery (mlua's own) to propagate as is.
#[derive(Debug)]
pub(crate) enum Fail {
    /// `luaL_error(L, msg)`: raised with the caller's "chunk:line: " prefix when it has one.
    Error(Vec<u8>),
    /// An error the Lua VM raised while the C function ran (e.g. `lua_settable` with a nil key):
    /// no position prefix, since the running function is a C function.
    Raw(Vec<u8>),
    /// mlua failed: an allocation failure is raised as Lua's "not enough memory", anything else
    /// propagated unchanged.
    Lua(mlua::Error),
}

impl Fail {
    pub(crate) fn error(msg: impl Into<Vec<u8>>) -> Self {
        Fail::Error(msg.into())
    }
}

impl From<mlua::Error> for Fail {
    fn from(err: mlua::Error) -> Self {
        Fail::Lua(err)
    }
}

/// What a library function returns, as its C version left it on the stack.
pub(crate) enum Ret {
    /// A few values, returned directly.
    Values(Vec<Value>),
    /// `count` values stored at `1..=count` in `table` (nils included), for results whose number
    /// grows with the input.
    Packed { count: usize, table: Table },
}

impl Ret {
    pub(crate) fn one(value: Value) -> Result<Ret, Fail> {
        Ok(Ret::Values(vec![value]))
    }
}

/// The first value the inner mlua function returns, telling [`boundary`] what follows.
#[repr(i32)]
enum Status {
    /// The results follow.
    Values = 0,
    /// A count and a table holding the results follow.
    Packed = 1,
    /// A message follows, to raise like `luaL_error`.
    Error = 2,
    /// A message follows, to raise as is.
    Raw = 3,
}

/// Builds the Lua function for one library entry point.
pub(crate) fn function<F>(lua: &Lua, f: F) -> mlua::Result<Function>
where
    F: Fn(&Lua, &Args) -> Result<Ret, Fail> + Send + 'static,
{
    let inner = lua.create_function(move |lua, raw: MultiValue| {
        let args = Args::from_boundary(lua, raw)?;
        let mut out = MultiValue::new();
        match f(lua, &args) {
            Ok(Ret::Values(values)) => {
                out.push_back(Value::Integer(Status::Values as i64));
                out.extend(values);
            }
            Ok(Ret::Packed { count, table }) => {
                out.push_back(Value::Integer(Status::Packed as i64));
                out.push_back(Value::Integer(count as i64));
                out.push_back(Value::Table(table));
            }
            Err(Fail::Error(msg)) => {
                out.push_back(Value::Integer(Status::Error as i64));
                out.push_back(Value::String(lua.create_string(msg)?));
            }
            Err(Fail::Raw(msg)) => {
                out.push_back(Value::Integer(Status::Raw as i64));
                out.push_back(Value::String(lua.create_string(msg)?));
            }
            // What Lua itself would have raised inside the C function, as a string; anything
            // else is mlua's business and goes up as mlua raises it.
            Err(Fail::Lua(mlua::Error::MemoryError(_))) => {
                out.push_back(Value::Integer(Status::Raw as i64));
                out.push_back(Value::String(lua.create_string("not enough memory")?));
            }
            Err(Fail::Lua(err)) => return Err(err),
        }
        Ok(out)
    })?;
    // SAFETY: `boundary` only uses the Lua C API on its own stack, and expects exactly the one
    // upvalue pushed here (a function following the `Status` protocol).
    unsafe {
        lua.exec_raw::<Function>(inner, |state| {
            ffi::lua_pushcclosure(state, boundary, 1);
        })
    }
}

/// The C closure scripts call. Upvalue 1 is the inner mlua function. Passes the arguments on
/// (flagged, and packed in a table when there are many), then returns the results or raises the
/// error message.
///
/// No Rust value with a destructor is alive here, so Lua's `longjmp` (from `lua_error` or from an
/// allocation failure) can safely cross this frame.
unsafe extern "C-unwind" fn boundary(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua as a C function; every index used below exists on the stack by
    // construction, and at most three slots beyond the arguments are pushed (a C function has
    // LUA_MINSTACK = 20 free slots on entry).
    unsafe {
        let nargs = ffi::lua_gettop(state);
        if nargs > DIRECT_ARGS_MAX {
            ffi::lua_createtable(state, nargs, 0);
            ffi::lua_insert(state, 1);
            for i in (1..=nargs).rev() {
                ffi::lua_rawseti_(state, 1, i);
            }
            ffi::lua_pushinteger(state, ffi::lua_Integer::from(nargs));
            ffi::lua_pushboolean(state, 1);
        } else {
            ffi::lua_pushboolean(state, 0);
        }
        ffi::lua_insert(state, 1);
        let ncall = ffi::lua_gettop(state);
        ffi::lua_pushvalue(state, ffi::lua_upvalueindex(1));
        ffi::lua_insert(state, 1);
        ffi::lua_call(state, ncall, ffi::LUA_MULTRET);

        let status = ffi::lua_tointeger(state, 1);
        if status == Status::Values as ffi::lua_Integer {
            ffi::lua_remove(state, 1);
            ffi::lua_gettop(state)
        } else if status == Status::Packed as ffi::lua_Integer {
            let count = ffi::lua_tointeger(state, 2) as c_int;
            ffi::lua_replace(state, 1);
            ffi::lua_settop(state, 1);
            if ffi::lua_checkstack(state, count) == 0 {
                ffi::luaL_where(state, 1);
                ffi::lua_pushstring(state, c"stack overflow (too many results)".as_ptr());
                ffi::lua_concat(state, 2);
                ffi::lua_error(state);
            }
            for i in 1..=count {
                ffi::lua_rawgeti_(state, 1, i);
            }
            count
        } else {
            ffi::lua_settop(state, 2);
            if status == Status::Error as ffi::lua_Integer {
                ffi::luaL_where(state, 1);
                ffi::lua_insert(state, 2);
                ffi::lua_concat(state, 2);
            }
            ffi::lua_error(state)
        }
    }
}

/// The arguments of one call, 1-based as in the C API; "none" (past the last argument) is
/// distinct from nil, as `lua_isnone` makes it.
pub(crate) struct Args<'l> {
    lua: &'l Lua,
    store: Store,
}

enum Store {
    Direct(Vec<Value>),
    Packed { table: Table, len: usize },
}

impl<'l> Args<'l> {
    fn from_boundary(lua: &'l Lua, raw: MultiValue) -> mlua::Result<Self> {
        let mut raw = raw.into_vec();
        let packed = matches!(raw.first(), Some(Value::Boolean(true)));
        if raw.is_empty() {
            return Err(mlua::Error::runtime(
                "library function called without its boundary",
            ));
        }
        raw.remove(0);
        let store = match (packed, raw.as_slice()) {
            (true, [Value::Table(table), len]) => {
                let len = len.as_usize().unwrap_or(0);
                Store::Packed {
                    table: table.clone(),
                    len,
                }
            }
            _ => Store::Direct(raw),
        };
        Ok(Args { lua, store })
    }

    pub(crate) fn lua(&self) -> &'l Lua {
        self.lua
    }

    /// `lua_gettop`: how many arguments were passed.
    pub(crate) fn len(&self) -> usize {
        match &self.store {
            Store::Direct(values) => values.len(),
            Store::Packed { len, .. } => *len,
        }
    }

    /// `lua_isnone`.
    pub(crate) fn is_none(&self, n: usize) -> bool {
        n == 0 || n > self.len()
    }

    /// Argument `n`, or `None` past the last one.
    pub(crate) fn get(&self, n: usize) -> Result<Option<Value>, Fail> {
        if self.is_none(n) {
            return Ok(None);
        }
        Ok(Some(match &self.store {
            Store::Direct(values) => values[n - 1].clone(),
            Store::Packed { table, .. } => table.raw_get(n)?,
        }))
    }

    /// Argument `n`, nil when absent.
    pub(crate) fn value(&self, n: usize) -> Result<Value, Fail> {
        Ok(self.get(n)?.unwrap_or(Value::Nil))
    }

    /// `lua_isnil` (true for none too).
    pub(crate) fn is_nil(&self, n: usize) -> Result<bool, Fail> {
        Ok(matches!(self.get(n)?, None | Some(Value::Nil)))
    }

    /// `lua_tonumber` plus `lua_isnumber`: numbers, and strings Lua converts to numbers.
    pub(crate) fn to_number(&self, n: usize) -> Result<Option<f64>, Fail> {
        match self.get(n)? {
            None => Ok(None),
            Some(v) => to_number(self.lua, v),
        }
    }

    /// `luaL_checknumber`.
    pub(crate) fn check_number(&self, n: usize) -> Result<f64, Fail> {
        match self.to_number(n)? {
            Some(x) => Ok(x),
            None => Err(self.type_error(n, "number")?),
        }
    }

    /// `luaL_checkinteger`: the number truncated to a `lua_Integer` the way the C cast does it.
    pub(crate) fn check_integer(&self, n: usize) -> Result<i64, Fail> {
        Ok(cnum::f64_to_i64(self.check_number(n)?))
    }

    /// `luaL_optinteger`.
    pub(crate) fn opt_integer(&self, n: usize, default: i64) -> Result<i64, Fail> {
        if self.is_nil(n)? {
            Ok(default)
        } else {
            self.check_integer(n)
        }
    }

    /// `luaL_checklstring`: strings, and numbers converted with `%.14g`.
    pub(crate) fn check_string(&self, n: usize) -> Result<LuaString, Fail> {
        let coerced = match self.get(n)? {
            None => None,
            Some(v) => self.lua.coerce_string(v)?,
        };
        match coerced {
            Some(s) => Ok(s),
            None => Err(self.type_error(n, "string")?),
        }
    }

    /// `luaL_typerror`: "bad argument #n to 'f' (number expected, got nil)".
    pub(crate) fn type_error(&self, n: usize, expected: &str) -> Result<Fail, Fail> {
        let got = type_name(self.get(n)?.as_ref());
        Ok(self.arg_error(n as i64, format!("{expected} expected, got {got}")))
    }

    /// `luaL_argerror`, naming the function as the calling code refers to it.
    pub(crate) fn arg_error(&self, n: i64, extra: impl AsRef<[u8]>) -> Fail {
        // Level 0 is the inner mlua function; level 1 is the C closure the script called.
        let (name, method) = self
            .lua
            .inspect_stack(1, |debug| {
                let names = debug.names();
                let name = names.name.map(Cow::into_owned);
                (name, names.name_what == Some("method"))
            })
            .unwrap_or((None, false));
        let extra = extra.as_ref();
        let mut msg = Vec::with_capacity(extra.len() + 40);
        let mut n = n;
        if method {
            n -= 1;
            if n == 0 {
                msg.extend_from_slice(b"calling '");
                msg.extend_from_slice(name.as_deref().unwrap_or("?").as_bytes());
                msg.extend_from_slice(b"' on bad self (");
                msg.extend_from_slice(extra);
                msg.push(b')');
                return Fail::Error(msg);
            }
        }
        msg.extend_from_slice(format!("bad argument #{n} to '").as_bytes());
        msg.extend_from_slice(name.as_deref().unwrap_or("?").as_bytes());
        msg.extend_from_slice(b"' (");
        msg.extend_from_slice(extra);
        msg.push(b')');
        Fail::Error(msg)
    }

    /// `luaL_argcheck`.
    pub(crate) fn arg_check(&self, cond: bool, n: i64, extra: &str) -> Result<(), Fail> {
        if cond {
            Ok(())
        } else {
            Err(self.arg_error(n, extra))
        }
    }
}

/// `lua_tonumber` plus `lua_isnumber` for one value.
pub(crate) fn to_number(lua: &Lua, v: Value) -> Result<Option<f64>, Fail> {
    Ok(match v {
        Value::Number(x) => Some(x),
        Value::Integer(i) => Some(i as f64),
        Value::String(_) => lua.coerce_number(v)?,
        _ => None,
    })
}

/// A Lua number as the double it is (mlua reports integral doubles as `Integer`).
pub(crate) fn number(v: &Value) -> Option<f64> {
    match *v {
        Value::Number(x) => Some(x),
        Value::Integer(i) => Some(i as f64),
        _ => None,
    }
}

/// `luaL_typename`: Lua's name for the type of a value, "no value" for none.
pub(crate) fn type_name(v: Option<&Value>) -> &'static str {
    match v {
        None => "no value",
        Some(Value::Nil) => "nil",
        Some(Value::Boolean(_)) => "boolean",
        Some(Value::Integer(_) | Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Table(_)) => "table",
        Some(Value::Function(_)) => "function",
        Some(Value::Thread(_)) => "thread",
        // Light and full userdata, and mlua's error objects (userdata in Lua).
        Some(_) => "userdata",
    }
}

/// `lua_checkstack(L, extra)` for a C function using `used` slots: false when Lua would refuse.
pub(crate) fn stack_has_room(used: usize, extra: usize) -> bool {
    used + extra <= MAX_C_STACK
}

/// `lua_next` as a function, so a traversal can resume after descending into a nested table
/// without keeping an iterator (and its references) per level.
#[derive(Clone)]
pub(crate) struct RawNext(Function);

impl RawNext {
    pub(crate) fn new(lua: &Lua) -> mlua::Result<Self> {
        // SAFETY: `raw_next` follows the C function protocol; it is only called with a table.
        unsafe { lua.create_c_function(raw_next).map(RawNext) }
    }

    /// The entry after `key` (nil: the first one), or `None` at the end.
    pub(crate) fn next(&self, table: &Table, key: Value) -> mlua::Result<Option<(Value, Value)>> {
        let (k, v): (Value, Value) = self.0.call((table, key))?;
        Ok(if k.is_nil() { None } else { Some((k, v)) })
    }
}

unsafe extern "C-unwind" fn raw_next(state: *mut ffi::lua_State) -> c_int {
    // SAFETY: called by Lua with (table, key); `lua_next` raises (longjmp) on a key that is not in
    // the table, and no Rust value with a destructor lives in this frame.
    unsafe {
        ffi::lua_settop(state, 2);
        if ffi::lua_next(state, 1) != 0 {
            2
        } else {
            ffi::lua_pushnil(state);
            1
        }
    }
}

/// A stack of Lua values kept in a Lua table: the outer levels of a deep traversal wait here, so
/// the Rust side holds a constant number of mlua references whatever the depth.
pub(crate) struct Parked {
    slots: Table,
    len: usize,
}

impl Parked {
    pub(crate) fn new(lua: &Lua) -> mlua::Result<Self> {
        Ok(Parked {
            slots: lua.create_table()?,
            len: 0,
        })
    }

    pub(crate) fn push(&mut self, value: impl IntoLua) -> mlua::Result<()> {
        self.len += 1;
        self.slots.raw_set(self.len, value)
    }

    pub(crate) fn pop<V: FromLua>(&mut self) -> mlua::Result<V> {
        let value = self.slots.raw_get(self.len)?;
        self.slots.raw_set(self.len, Value::Nil)?;
        self.len -= 1;
        Ok(value)
    }
}
