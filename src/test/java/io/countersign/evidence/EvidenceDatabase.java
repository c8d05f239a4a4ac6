package io.countersign.evidence;

import com.zaxxer.hikari.HikariDataSource;
import io.countersign.EmbeddedPostgresSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A fresh database with Countersign's own tables, as the application migrates them: in-memory H2,
 * or a new database on the JVM's embedded PostgreSQL (with the append-only triggers). Also used by
 * the attempts' tests (io.countersign.process).
 */
public final class EvidenceDatabase implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  public final DataSource dataSource;
  public final JdbcTemplate jdbc;
  public final TransactionTemplate transaction;
  public final boolean postgres;

  /** In-memory H2. */
  public EvidenceDatabase() {
    this(h2(), false);
  }

  private EvidenceDatabase(DataSource dataSource, boolean postgres) {
    this.dataSource = dataSource;
    this.postgres = postgres;
    Flyway.configure()
        .dataSource(dataSource)
        .locations(
            postgres
                ? new String[] {"classpath:db/countersign", "classpath:db/countersign-postgresql"}
                : new String[] {"classpath:db/countersign"})
        .table("cs_schema_history")
        // One user here: it is owner and runtime role at once, so the grants after migrate change
        // nothing.
        .placeholders(java.util.Map.of("runtime_role", postgres ? "postgres" : "sa"))
        .load()
        .migrate();
    jdbc = new JdbcTemplate(dataSource);
    transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  /** A new database on the embedded PostgreSQL server, as its superuser, through a small pool. */
  public static EvidenceDatabase postgres() {
    HikariDataSource pool = new HikariDataSource();
    pool.setJdbcUrl(EmbeddedPostgresSupport.newDatabase("evidence"));
    pool.setUsername("postgres");
    pool.setPassword("postgres");
    pool.setMaximumPoolSize(4);
    return new EvidenceDatabase(pool, true);
  }

  private static DataSource h2() {
    JdbcDataSource h2 = new JdbcDataSource();
    // Generous lock timeout: the concurrency tests queue many appends on one head row.
    h2.setURL(
        "jdbc:h2:mem:evidence-"
            + COUNTER.incrementAndGet()
            + ";DB_CLOSE_DELAY=-1;NON_KEYWORDS=VALUE;LOCK_TIMEOUT=20000");
    h2.setUser("sa");
    return h2;
  }

  /** A log with a fresh key in {@code dir} and no checkpoint sinks. */
  public EvidenceLog log(Path dir) {
    EvidenceSigner signer = signer(dir);
    return new EvidenceLog(jdbc, signer, new Checkpoints(signer, 10, List.of()));
  }

  static EvidenceSigner signer(Path dir) {
    return new EvidenceSigner("", "", dir.resolve("signing.key").toString());
  }

  /**
   * Puts an attacker who owns the database in place: on PostgreSQL the superuser switches the
   * append-only triggers off (H2 has none).
   */
  void dropAppendOnlyGuards() {
    if (postgres) {
      jdbc.execute("ALTER TABLE cs_evidence DISABLE TRIGGER USER");
      jdbc.execute("ALTER TABLE cs_evidence_head DISABLE TRIGGER USER");
    }
  }

  @Override
  public void close() {
    if (dataSource instanceof HikariDataSource pool) {
      pool.close();
    } else {
      jdbc.execute("SHUTDOWN");
    }
  }
}
