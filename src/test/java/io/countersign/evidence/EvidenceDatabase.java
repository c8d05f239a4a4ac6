package io.countersign.evidence;

import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** A fresh in-memory H2 database with Countersign's own tables, as the application migrates them. */
final class EvidenceDatabase implements AutoCloseable {
  private static final AtomicInteger COUNTER = new AtomicInteger();

  final DataSource dataSource;
  final JdbcTemplate jdbc;
  final TransactionTemplate transaction;

  EvidenceDatabase() {
    JdbcDataSource h2 = new JdbcDataSource();
    // Generous lock timeout: the concurrency tests queue many appends on one head row.
    h2.setURL("jdbc:h2:mem:evidence-" + COUNTER.incrementAndGet() + ";DB_CLOSE_DELAY=-1;NON_KEYWORDS=VALUE;LOCK_TIMEOUT=20000");
    h2.setUser("sa");
    dataSource = h2;
    Flyway.configure().dataSource(dataSource).locations("classpath:db/countersign").table("cs_schema_history").load().migrate();
    jdbc = new JdbcTemplate(dataSource);
    transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
  }

  @Override
  public void close() {
    jdbc.execute("SHUTDOWN");
  }
}
