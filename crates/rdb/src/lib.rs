//! The RDB format as a stream of records. Filled in by the RDB persistence issue; knows no keyspace.
