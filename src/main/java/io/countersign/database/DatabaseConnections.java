package io.countersign.database;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Port for capabilities that only read a database target (verification's data checks): the
 * connections of {@code countersign.targets.databases.<name>}, which only the database capability
 * binds, with its credentials.
 */
public interface DatabaseConnections {

  /** The configured target of that name, if there is one. */
  Optional<Target> target(String name);

  /**
   * One target: how it runs, and a connection to it with the password read at the time (a rotated
   * one needs no restart).
   */
  interface Target {

    boolean live();

    boolean postgres();

    /** A new connection; the caller closes it. */
    Connection connect() throws SQLException;

    /** The message with the target's password taken out, whoever wrote the message. */
    String scrub(String message);
  }
}
