package io.jbouncer.core.auth;

import io.jbouncer.core.Log;
import io.jbouncer.core.config.LdapOptions;
import java.util.Hashtable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.naming.AuthenticationException;
import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import javax.naming.directory.SearchControls;
import javax.naming.directory.SearchResult;

/**
 * Checks a user name and cleartext password against an LDAP server, as PostgreSQL's and PgBouncer 1.25's
 * {@code ldap} method does (see {@link LdapOptions} for the two modes).
 *
 * <p>The client is the JDK's own JNDI LDAP provider: no dependency to keep up to date, maintained with the JDK, and
 * simple and search+bind need nothing more. Its calls block, so they run on a small pool of daemon threads, never
 * on an event loop; connect and read time out after {@value #TIMEOUT_MILLIS} ms so a silent server cannot hold a
 * thread.
 */
public final class LdapVerifier {
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final int THREADS = 4;
    /** PostgreSQL refuses these in a user name before any LDAP request (they would change the DN or filter). */
    private static final String SPECIAL = "*()\\/";

    private LdapVerifier() {
    }

    /** Lazily started: only configurations that use LDAP get the threads. */
    private static final class Binds {
        static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, task -> {
            Thread thread = new Thread(task, "jbouncer-ldap");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Completes with whether the directory accepts {@code password} for {@code user}; never exceptionally (an
     * unreachable server or a failed search is logged and counts as a refusal). An empty password is refused without
     * asking: LDAP would take it as an anonymous bind.
     */
    public static CompletableFuture<Boolean> verify(LdapOptions options, String user, String password) {
        if (password.isEmpty() || user.chars().anyMatch(c -> SPECIAL.indexOf(c) >= 0)) {
            return CompletableFuture.completedFuture(false);
        }
        return CompletableFuture.supplyAsync(() -> bindsAs(options, user, password), Binds.POOL);
    }

    private static boolean bindsAs(LdapOptions options, String user, String password) {
        try {
            String dn = options.searchBind() ? find(options, user) : options.prefix() + user + options.suffix();
            if (dn == null) {
                return false;
            }
            bind(options, dn, password).close();
            return true;
        } catch (AuthenticationException e) {
            return false;
        } catch (NamingException | RuntimeException e) {
            Log.warning("LDAP authentication of %s against %s failed: %s", user, options, e.toString());
            return false;
        }
    }

    /** Search+bind: the DN of the one entry matching the user, or {@code null} when there is none or several. */
    private static String find(LdapOptions options, String user) throws NamingException {
        DirContext search = bind(options, options.bindDn(), options.bindPassword());
        try {
            String filter = options.searchFilter() != null
                    ? options.searchFilter().replace("$username", user)
                    : "(" + (options.searchAttribute() != null ? options.searchAttribute() : "uid") + "=" + user + ")";
            SearchControls controls = new SearchControls();
            controls.setSearchScope(SearchControls.SUBTREE_SCOPE);
            controls.setReturningAttributes(new String[0]);
            controls.setCountLimit(2);
            NamingEnumeration<SearchResult> found = search.search(options.baseDn(), filter, controls);
            try {
                String dn = found.hasMore() ? found.next().getNameInNamespace() : null;
                if (dn != null && found.hasMore()) {
                    Log.warning("LDAP user %s is not unique under %s", user, options.baseDn());
                    return null;
                }
                return dn;
            } finally {
                found.close();
            }
        } finally {
            search.close();
        }
    }

    /** A context bound as {@code dn} (anonymously when {@code dn} is null). */
    private static DirContext bind(LdapOptions options, String dn, String password) throws NamingException {
        Hashtable<String, String> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.ldap.LdapCtxFactory");
        env.put(Context.PROVIDER_URL, options.providerUrls());
        env.put("com.sun.jndi.ldap.connect.timeout", Integer.toString(TIMEOUT_MILLIS));
        env.put("com.sun.jndi.ldap.read.timeout", Integer.toString(TIMEOUT_MILLIS));
        env.put(Context.REFERRAL, "ignore");
        if (dn == null) {
            env.put(Context.SECURITY_AUTHENTICATION, "none");
        } else {
            env.put(Context.SECURITY_AUTHENTICATION, "simple");
            env.put(Context.SECURITY_PRINCIPAL, dn);
            env.put(Context.SECURITY_CREDENTIALS, password == null ? "" : password);
        }
        return new InitialDirContext(env);
    }
}
