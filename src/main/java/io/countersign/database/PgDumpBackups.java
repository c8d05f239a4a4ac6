package io.countersign.database;

import io.countersign.database.DatabaseTarget.Backup;
import io.countersign.database.DatabaseTargetProperties.BackupMethod;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Backups of PostgreSQL targets: pg_dump's custom format in, pg_restore out. */
final class PgDumpBackups {
  private static final Pattern TOC_ENTRY = Pattern.compile("^\\d+; \\d+ \\d+ (.*) \\S+$");

  /**
   * The objects of the database that pg_restore --clean may have to make way for, each with the
   * "kind schema name" pg_dump's table of contents gives it and the statement that drops it:
   * tables, views, sequences (not those owned by a column), routines, types and foreign keys.
   */
  private static final String OBJECTS =
      """
      WITH s AS (
        SELECT oid, nspname FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%'
      )
      SELECT format('FK CONSTRAINT %s %s %s', s.nspname, c.relname, con.conname),
             format('ALTER TABLE IF EXISTS %I.%I DROP CONSTRAINT IF EXISTS %I', s.nspname, c.relname, con.conname), 1
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN s ON s.oid = c.relnamespace
       WHERE con.contype = 'f' AND con.conparentid = 0
      UNION ALL
      SELECT format('%s %s %s', k.kind, s.nspname, c.relname), format('DROP %s IF EXISTS %I.%I CASCADE', k.kind, s.nspname, c.relname), 2
        FROM pg_class c JOIN s ON s.oid = c.relnamespace
        JOIN (VALUES ('r', 'TABLE'), ('p', 'TABLE'), ('v', 'VIEW'), ('m', 'MATERIALIZED VIEW'), ('S', 'SEQUENCE'),
                     ('f', 'FOREIGN TABLE')) AS k(relkind, kind) ON k.relkind = c.relkind::text
       WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('e', 'i', 'a'))
      UNION ALL
      SELECT format('%s %s %s(%s)', k.kind, s.nspname, p.proname,
                    (SELECT coalesce(string_agg(format_type(a.t, NULL), ', ' ORDER BY a.ord), '') FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(t, ord))),
             format('DROP %s IF EXISTS %I.%I(%s) CASCADE', k.kind, s.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), 3
        FROM pg_proc p JOIN s ON s.oid = p.pronamespace
        JOIN (VALUES ('f', 'FUNCTION'), ('w', 'FUNCTION'), ('p', 'PROCEDURE'), ('a', 'AGGREGATE')) AS k(prokind, kind) ON k.prokind = p.prokind::text
       WHERE NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      UNION ALL
      SELECT format('%s %s %s', k.kind, s.nspname, t.typname), format('DROP %s IF EXISTS %I.%I CASCADE', k.kind, s.nspname, t.typname), 4
        FROM pg_type t JOIN s ON s.oid = t.typnamespace
        JOIN (VALUES ('e', 'TYPE'), ('r', 'TYPE'), ('c', 'TYPE'), ('d', 'DOMAIN')) AS k(typtype, kind) ON k.typtype = t.typtype::text
       WHERE (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
      ORDER BY 3, 1
      """;

  private final PgTools tools;

  PgDumpBackups(PgTools tools) {
    this.tools = tools;
  }

  /**
   * Dumps into a partial file first, so {@code file} is always a complete dump; only the owner may
   * read it.
   */
  Backup take(TargetDatabase db, Path file) {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(partial);
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            partial,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      tools.dump(db, partial);
      Files.move(
          partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Backup(
          BackupMethod.PG_DUMP.id(),
          file.toString(),
          Files.size(file),
          TargetDatabase.sha256(file));
    } catch (IOException e) {
      throw new IllegalStateException(
          "backup of database target " + db.name + " failed: " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException e) {
        // the next attempt deletes it first
      }
    }
  }

  /**
   * pg_restore --clean drops only what the dump contains, without CASCADE: a table the release
   * added is left behind, and a foreign key or view it added onto an older table makes that table's
   * DROP fail. So what is not in the dump is dropped first (one transaction), then pg_restore
   * replaces the rest in another. Should pg_restore fail, the database holds the objects of the
   * backup as they were before the restore, minus the release's additions; a retry completes the
   * restore.
   */
  void restore(TargetDatabase db, Path file) {
    Set<String> inBackup = contents(tools.list(db, file));
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      List<String> drops = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery(OBJECTS)) {
        while (rs.next()) {
          if (!inBackup.contains(rs.getString(1))) {
            drops.add(rs.getString(2));
          }
        }
      }
      try (Statement s = c.createStatement()) {
        for (String drop : drops) {
          s.execute(drop);
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "restore of database target "
              + db.name
              + " failed while removing what the "
              + "release added: "
              + db.scrub(e.getMessage()),
          e);
    }
    tools.restore(db, file);
  }

  /** "KIND schema name" of each entry of {@code pg_restore --list}, the owner left off. */
  static Set<String> contents(String toc) {
    Set<String> entries = new HashSet<>();
    for (String line : toc.lines().toList()) {
      Matcher m = TOC_ENTRY.matcher(line);
      if (m.matches()) {
        entries.add(m.group(1));
      }
    }
    return entries;
  }
}
