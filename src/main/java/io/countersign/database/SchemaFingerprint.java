package io.countersign.database;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A SHA-256 over the shape of a target database (Flyway's history table left out), compared before
 * a release and after its rollback. PostgreSQL is read from its catalog, so it covers what a
 * schema-only dump would show; other databases (the H2 demo target) through JDBC metadata.
 */
final class SchemaFingerprint {
  private SchemaFingerprint() {}

  static String of(Connection c, boolean postgres) throws SQLException {
    Set<String> lines = postgres ? postgres(c) : metadata(c);
    return TargetDatabase.sha256(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Every user schema: relations and their columns (in order, with types, defaults, identity), all
   * constraints (checks included), indexes, triggers, view bodies, sequences, routines (a digest of
   * their definition), enum/domain/range types and extensions. Privileges, comments and ownership
   * are not compared; expressions are compared without casts and parentheses (see {@link
   * #normalise}).
   */
  private static final String POSTGRES =
      """
      WITH s AS (
        SELECT n.oid, n.nspname FROM pg_namespace n
         WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_namespace'::regclass AND d.objid = n.oid AND d.deptype = 'e')
      ), rel AS (
        SELECT c.oid, c.relname, c.relkind, c.relpartbound, s.nspname FROM pg_class c JOIN s ON s.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') AND c.relname <> '{history}'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      )
      SELECT format('schema %I', nspname) FROM s
      UNION ALL SELECT format('relation %I.%I %s %s', nspname, relname, relkind, coalesce(pg_get_expr(relpartbound, oid), ''))
          FROM rel
      UNION ALL SELECT format('column %I.%I %s %I %s%s%s%s%s', r.nspname, r.relname,
               row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum), a.attname, format_type(a.atttypid, a.atttypmod),
               CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
               CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END,
               CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END,
               coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''))
          FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid
          LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
         WHERE a.attnum > 0 AND NOT a.attisdropped AND r.relkind <> 'S'
      UNION ALL SELECT format('constraint %I.%I %I %s', r.nspname, r.relname, con.conname, pg_get_constraintdef(con.oid))
          FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid
      UNION ALL SELECT format('constraint %I.%I %I %s', s.nspname, t.typname, con.conname, pg_get_constraintdef(con.oid))
          FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid JOIN s ON s.oid = t.typnamespace
      UNION ALL SELECT 'index ' || pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN rel r ON r.oid = i.indrelid
      UNION ALL SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid
         WHERE NOT t.tgisinternal
      UNION ALL SELECT format('view %I.%I %s', nspname, relname, pg_get_viewdef(oid)) FROM rel WHERE relkind IN ('v', 'm')
      UNION ALL SELECT format('sequence %I.%I %s %s %s %s %s %s', r.nspname, r.relname, format_type(q.seqtypid, NULL),
               q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcycle)
          FROM pg_sequence q JOIN rel r ON r.oid = q.seqrelid
      UNION ALL SELECT format('routine %I.%I(%s) %s %s', s.nspname, p.proname, pg_get_function_identity_arguments(p.oid),
               p.prokind, CASE WHEN p.prokind = 'a' THEN '' ELSE md5(pg_get_functiondef(p.oid)) END)
          FROM pg_proc p JOIN s ON s.oid = p.pronamespace
         WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      UNION ALL SELECT format('type %I.%I %s %s', s.nspname, t.typname, t.typtype, CASE t.typtype
               WHEN 'e' THEN (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
               WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
                             || coalesce(' default ' || t.typdefault, '')
               WHEN 'r' THEN (SELECT format_type(rngsubtype, NULL) FROM pg_range WHERE rngtypid = t.oid)
               ELSE '' END)
          FROM pg_type t JOIN s ON s.oid = t.typnamespace
         WHERE t.typtype IN ('e', 'd', 'r')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
      UNION ALL SELECT format('extension %I %s', extname, extversion) FROM pg_extension
      """
          .replace("{history}", TargetDatabase.HISTORY_TABLE);

  /**
   * A cast, with multi-word type names spelled out so that a following keyword is never taken for
   * one.
   */
  private static final Pattern CAST =
      Pattern.compile(
          "::(?:\"[^\"]+\"|(?:character varying|double precision|bit varying"
              + "|(?:timestamp|time)(?:\\(\\d+\\))? with(?:out)? time zone|[\\w.]+))(?:\\(\\d+(?:,\\s*\\d+)?\\))?(?:\\[\\])*");

  private static Set<String> postgres(Connection c) throws SQLException {
    Set<String> lines = new TreeSet<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(POSTGRES)) {
      while (rs.next()) {
        lines.add(normalise(rs.getString(1)));
      }
    }
    return lines;
  }

  /**
   * PostgreSQL deparses an expression differently once it went through a dump and restore ({@code x
   * IN ('a', 'b')} on a varchar comes back with its casts moved), so casts and parentheses are left
   * out of the comparison. What is lost, a changed cast or operator grouping inside one expression,
   * is not what a rollback script gets wrong.
   */
  static String normalise(String line) {
    return CAST.matcher(line).replaceAll("").replaceAll("[()]", "").replaceAll("\\s+", " ").strip();
  }

  /**
   * The distinct tables, columns, indexes and foreign keys of the connection's schema, through JDBC
   * metadata. Check constraints are not covered.
   */
  private static Set<String> metadata(Connection c) throws SQLException {
    DatabaseMetaData md = c.getMetaData();
    String catalog = c.getCatalog();
    String schema = c.getSchema();
    // A set: H2 may back a foreign key with its own index or reuse an equal one (after RUNSCRIPT it
    // reuses).
    Set<String> lines = new TreeSet<>();
    List<String> tables = new ArrayList<>();
    try (ResultSet rs = md.getTables(catalog, schema, "%", null)) {
      while (rs.next()) {
        if (!TargetDatabase.HISTORY_TABLE.equalsIgnoreCase(rs.getString("TABLE_NAME"))
            && !rs.getString("TABLE_TYPE").contains("INDEX")) {
          tables.add(rs.getString("TABLE_NAME"));
          lines.add("table " + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE"));
        }
      }
    }
    try (ResultSet rs = md.getColumns(catalog, schema, "%", "%")) {
      while (rs.next()) {
        if (!TargetDatabase.HISTORY_TABLE.equalsIgnoreCase(rs.getString("TABLE_NAME"))) {
          lines.add(
              String.join(
                  " ",
                  "column",
                  rs.getString("TABLE_NAME"),
                  rs.getString("COLUMN_NAME"),
                  rs.getString("TYPE_NAME"),
                  rs.getString("COLUMN_SIZE"),
                  rs.getString("DECIMAL_DIGITS"),
                  rs.getString("IS_NULLABLE"),
                  String.valueOf(rs.getString("COLUMN_DEF"))));
        }
      }
    }
    for (String table : tables) {
      // Index and key names are left out: H2 renames the indexes behind constraints whenever it
      // rebuilds a table (ADD/DROP COLUMN), so only what an index covers is compared.
      Map<String, String> indexes = new TreeMap<>();
      try (ResultSet rs = md.getIndexInfo(catalog, schema, table, false, true)) {
        while (rs.next()) {
          if (rs.getString("INDEX_NAME") != null) {
            indexes.merge(
                rs.getString("INDEX_NAME") + " " + rs.getBoolean("NON_UNIQUE"),
                rs.getShort("ORDINAL_POSITION") + ":" + rs.getString("COLUMN_NAME"),
                (a, b) -> a + "," + b);
          }
        }
      }
      indexes.forEach(
          (key, columns) ->
              lines.add(
                  "index "
                      + table
                      + " unique="
                      + key.endsWith("false")
                      + " "
                      + Arrays.stream(columns.split(",")).sorted().toList()));
      try (ResultSet rs = md.getImportedKeys(catalog, schema, table)) {
        while (rs.next()) {
          lines.add(
              String.join(
                  " ",
                  "fk",
                  table,
                  rs.getString("KEY_SEQ"),
                  rs.getString("FKCOLUMN_NAME"),
                  rs.getString("PKTABLE_NAME"),
                  rs.getString("PKCOLUMN_NAME")));
        }
      }
    }
    return lines;
  }
}
