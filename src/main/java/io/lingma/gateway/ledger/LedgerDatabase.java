package io.lingma.gateway.ledger;

import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The ledger's connection pool and schema: an H2 file database under {@code gateway.data-dir} unless
 * {@code gateway.ledger.jdbc-url} names another (PostgreSQL), migrated by Flyway from {@code db/migration} at start.
 * A database that cannot be reached does not stop the gateway: it is logged and the ledger drops rows.
 */
public final class LedgerDatabase implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LedgerDatabase.class);

    private static final long RETRY_MS = 30_000;

    private final HikariDataSource pool;
    private final String url;
    private volatile boolean migrated;
    private volatile long nextAttempt;

    /**
     * @param jdbcUrl  {@code gateway.ledger.jdbc-url}; blank = the embedded H2 file {@code <dataDir>/ledger}
     * @param user     database user (blank = none; H2 defaults to {@code sa})
     * @param password database password (may be blank)
     * @param dataDir  {@code gateway.data-dir}
     */
    public LedgerDatabase(String jdbcUrl, String user, String password, Path dataDir) {
        boolean embedded = jdbcUrl == null || jdbcUrl.isBlank();
        url = embedded ? "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("ledger") : jdbcUrl.trim();
        // lazy pool (no-argument constructor): nothing connects until the ledger is used
        pool = new HikariDataSource();
        pool.setPoolName("usage-ledger");
        pool.setJdbcUrl(url);
        if (embedded || !user.isBlank()) {
            pool.setUsername(embedded && user.isBlank() ? "sa" : user);
        }
        if (!password.isBlank()) {
            pool.setPassword(password);
        }
        pool.setMaximumPoolSize(4);
        pool.setMinimumIdle(1);
        // a dead database must not hold the ledger queue for Hikari's default 30 s per row
        pool.setConnectionTimeout(Duration.ofSeconds(10).toMillis());
        pool.setInitializationFailTimeout(-1);
    }

    /** @return the pool the {@code sql:} endpoints use ({@code #ledgerDataSource}) */
    public DataSource dataSource() {
        return pool;
    }

    /**
     * Creates or migrates the schema; a failure is logged (without credentials) and the gateway goes on.
     *
     * @return true when the schema is current
     */
    public synchronized boolean migrate() {
        nextAttempt = System.currentTimeMillis() + RETRY_MS;
        try {
            Flyway.configure().dataSource(pool).locations("classpath:db/migration").load().migrate();
            LOG.info("usage ledger at {}", redacted());
            migrated = true;
            return true;
        } catch (RuntimeException e) {
            LOG.warn("usage ledger database {} is not usable, rows will be dropped: {}", redacted(),
                    e.getMessage());
            return false;
        }
    }

    /**
     * Before each use by the routes: a schema that could not be migrated at start (database down, slow to open) is
     * tried again, at most every 30 s.
     */
    public void ensureSchema() {
        if (!migrated && System.currentTimeMillis() >= nextAttempt) {
            migrate();
        }
    }

    /** @return the JDBC URL without its query part (which may carry credentials) */
    public String redacted() {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?…";
    }

    @Override
    public void close() {
        pool.close();
    }
}
