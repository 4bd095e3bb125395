"""leadloop's storage: tables, the session factory, the queries and the migrations."""
