#!/bin/sh
# jbouncer's container entry point, configured by the environment variables of edoburu/pgbouncer (the most used
# PgBouncer image), so a PgBouncer container can be replaced without changing its settings. See docs/container.md.
#
# - An existing $JBOUNCER_CONF_DIR/pgbouncer.ini is used as it is. Otherwise one is written from DATABASE_URL
#   (postgres://user:password@host:port/dbname) or DB_HOST, DB_PORT, DB_USER, DB_NAME and the other variables.
# - DB_USER/DB_PASSWORD, and ADMIN_USERS/ADMIN_PASSWORDS and STATS_USERS/STATS_PASSWORDS (comma-separated pairs),
#   are added to the auth file (mode 600) unless already there: as md5 secrets, or as written with AUTH_TYPE=plain.
#   With AUTH_TYPE=scram-sha-256 the console users get SCRAM secrets; DB_USER's password is kept as written, as
#   edoburu/pgbouncer does, because logging in to a SCRAM PostgreSQL needs the password or the server's own secret
#   (same salt), and a secret made here has a new salt. No password is ever printed.
# - With no arguments it execs bin/jbouncer on the ini (signals reach the JVM); with arguments it execs those.
#
# Outside a container, as any user, after the build:
#   JBOUNCER_CONF_DIR=/tmp/jb DATABASE_URL=postgres://u:p@127.0.0.1:5432/db LISTEN_PORT=6432 docker/entrypoint.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
conf_dir=${JBOUNCER_CONF_DIR:-/etc/pgbouncer}
ini=$conf_dir/pgbouncer.ini

fail() {
    echo "entrypoint: $*" >&2
    exit 1
}

if [ -n "${DATABASE_URL:-}" ]; then
    # scheme://[user[:password]@]host[:port][/dbname][?options]; the options are PostgreSQL client options that a
    # [databases] entry has no place for, so they are dropped.
    rest=${DATABASE_URL#*://}
    rest=${rest%%\?*}
    case $rest in
        *@*)
            userinfo=${rest%@*}
            rest=${rest##*@}
            DB_USER=${userinfo%%:*}
            case $userinfo in *:*) DB_PASSWORD=${userinfo#*:} ;; esac
            ;;
    esac
    case $rest in */*) DB_NAME=${rest#*/} ;; esac
    hostport=${rest%%/*}
    case $hostport in
        *:*) DB_HOST=${hostport%:*}; DB_PORT=${hostport##*:} ;;
        *) DB_HOST=$hostport ;;
    esac
fi

# Appends "key = value" to the ini when the variable named $2 is set and not empty.
setting() {
    eval "value=\${$2:-}"
    if [ -n "$value" ]; then
        printf '%s = %s\n' "$1" "$value" >> "$ini.new"
    fi
}

write_ini() {
    [ -n "${DB_HOST:-}" ] || fail "no $ini and no DB_HOST: set DATABASE_URL, or DB_HOST" \
        "(and DB_PORT, DB_USER, DB_NAME), or provide a pgbouncer.ini"
    mkdir -p "$conf_dir"
    {
        echo "; written by docker/entrypoint.sh from the environment"
        echo "[databases]"
        printf '%s = host=%s port=%s%s\n' "${DB_NAME:-*}" "$DB_HOST" "${DB_PORT:-5432}" \
            "${CLIENT_ENCODING:+ client_encoding=$CLIENT_ENCODING}"
        echo
        echo "[pgbouncer]"
        echo "listen_addr = ${LISTEN_ADDR:-0.0.0.0}"
        echo "listen_port = ${LISTEN_PORT:-6432}"
        echo "unix_socket_dir = ${UNIX_SOCKET_DIR:-}"
        echo "auth_file = ${AUTH_FILE:-$conf_dir/userlist.txt}"
        echo "auth_type = ${AUTH_TYPE:-md5}"
        echo "admin_users = ${ADMIN_USERS:-postgres}"
        echo "ignore_startup_parameters = ${IGNORE_STARTUP_PARAMETERS:-extra_float_digits}"
    } > "$ini.new"
    if [ -n "${METRICS_PORT:-}" ]; then
        echo "metrics_port = $METRICS_PORT" >> "$ini.new"
        echo "metrics_addr = ${METRICS_ADDR:-0.0.0.0}" >> "$ini.new"
    fi
    setting auth_hba_file AUTH_HBA_FILE
    setting auth_user AUTH_USER
    setting auth_query AUTH_QUERY
    setting stats_users STATS_USERS
    setting pool_mode POOL_MODE
    setting max_client_conn MAX_CLIENT_CONN
    setting default_pool_size DEFAULT_POOL_SIZE
    setting default_pool_size POOL_SIZE
    setting min_pool_size MIN_POOL_SIZE
    setting reserve_pool_size RESERVE_POOL_SIZE
    setting reserve_pool_timeout RESERVE_POOL_TIMEOUT
    setting max_db_connections MAX_DB_CONNECTIONS
    setting max_user_connections MAX_USER_CONNECTIONS
    setting server_round_robin SERVER_ROUND_ROBIN
    setting disable_pqexec DISABLE_PQEXEC
    setting application_name_add_host APPLICATION_NAME_ADD_HOST
    setting max_prepared_statements MAX_PREPARED_STATEMENTS
    setting log_connections LOG_CONNECTIONS
    setting log_disconnections LOG_DISCONNECTIONS
    setting log_pooler_errors LOG_POOLER_ERRORS
    setting log_stats LOG_STATS
    setting stats_period STATS_PERIOD
    setting verbose VERBOSE
    setting server_reset_query SERVER_RESET_QUERY
    setting server_reset_query_always SERVER_RESET_QUERY_ALWAYS
    setting server_check_delay SERVER_CHECK_DELAY
    setting server_check_query SERVER_CHECK_QUERY
    setting server_lifetime SERVER_LIFETIME
    setting server_idle_timeout SERVER_IDLE_TIMEOUT
    setting server_connect_timeout SERVER_CONNECT_TIMEOUT
    setting server_login_retry SERVER_LOGIN_RETRY
    setting client_login_timeout CLIENT_LOGIN_TIMEOUT
    setting autodb_idle_timeout AUTODB_IDLE_TIMEOUT
    setting dns_max_ttl DNS_MAX_TTL
    setting dns_nxdomain_ttl DNS_NXDOMAIN_TTL
    setting client_tls_sslmode CLIENT_TLS_SSLMODE
    setting client_tls_key_file CLIENT_TLS_KEY_FILE
    setting client_tls_cert_file CLIENT_TLS_CERT_FILE
    setting client_tls_ca_file CLIENT_TLS_CA_FILE
    setting client_tls_protocols CLIENT_TLS_PROTOCOLS
    setting client_tls_ciphers CLIENT_TLS_CIPHERS
    setting client_tls_ecdhcurve CLIENT_TLS_ECDHCURVE
    setting client_tls_dheparams CLIENT_TLS_DHEPARAMS
    setting server_tls_sslmode SERVER_TLS_SSLMODE
    setting server_tls_ca_file SERVER_TLS_CA_FILE
    setting server_tls_key_file SERVER_TLS_KEY_FILE
    setting server_tls_cert_file SERVER_TLS_CERT_FILE
    setting server_tls_protocols SERVER_TLS_PROTOCOLS
    setting server_tls_ciphers SERVER_TLS_CIPHERS
    setting query_timeout QUERY_TIMEOUT
    setting query_wait_timeout QUERY_WAIT_TIMEOUT
    setting client_idle_timeout CLIENT_IDLE_TIMEOUT
    setting idle_transaction_timeout IDLE_TRANSACTION_TIMEOUT
    setting pkt_buf PKT_BUF
    setting max_packet_size MAX_PACKET_SIZE
    setting listen_backlog LISTEN_BACKLOG
    setting sbuf_loopcnt SBUF_LOOPCNT
    setting suspend_timeout SUSPEND_TIMEOUT
    setting tcp_defer_accept TCP_DEFER_ACCEPT
    setting tcp_keepalive TCP_KEEPALIVE
    setting tcp_keepcnt TCP_KEEPCNT
    setting tcp_keepidle TCP_KEEPIDLE
    setting tcp_keepintvl TCP_KEEPINTVL
    setting tcp_user_timeout TCP_USER_TIMEOUT
    mv "$ini.new" "$ini"
    echo "entrypoint: wrote $ini"
}

# The auth file named by the ini (jbouncer-admin reads the same key), else the default.
auth_file() {
    configured=$(sed -n 's/^[[:space:]]*auth_file[[:space:]]*=[[:space:]]*//p' "$ini" | tail -n 1)
    echo "${configured:-${AUTH_FILE:-$conf_dir/userlist.txt}}"
}

# bin/jbouncer-admin on the ini, without SIGHUP (jbouncer is not running yet); the password comes on stdin.
admin_tool() {
    "$here/../bin/jbouncer-admin" -c "$ini" --no-reload "$@"
}

# Adds user $1 with password $2 to the auth file, unless it is already listed there; $3 is "server" for the user
# jbouncer logs in to PostgreSQL as, "console" for admin and stats users.
add_user() {
    if grep -q "^\"$1\"" "$users" 2>/dev/null; then
        return
    fi
    if [ ! -w "$users" ]; then
        echo "entrypoint: $users is not writable, $1 not added" >&2
        return
    fi
    case ${AUTH_TYPE:-md5}/$3 in
        plain/* | scram-sha-256/server) printf '"%s" "%s"\n' "$1" "$2" >> "$users" ;;
        scram-sha-256/console) printf '%s' "$2" | admin_tool user add "$1" --scram ;;
        *) printf '%s' "$2" | admin_tool user add "$1" --md5 ;;
    esac
    echo "entrypoint: added $1 to $users"
}

# Adds each user of the comma-separated list $1 with the password at the same place in the list $2.
add_users() {
    [ -n "$1" ] && [ -n "$2" ] || return 0
    i=1
    for name in $(echo "$1" | tr ',' ' '); do
        password=$(echo "$2" | cut -d, -f"$i")
        [ -z "$password" ] || add_user "$name" "$password" console
        i=$((i + 1))
    done
}

if [ -f "$ini" ]; then
    echo "entrypoint: using the existing $ini"
else
    write_ini
fi
users=$(auth_file)
if [ ! -e "$users" ] && [ -w "$(dirname "$users")" ]; then
    (umask 077 && : > "$users")
fi
if [ -n "${DB_USER:-}" ] && [ -n "${DB_PASSWORD:-}" ]; then
    add_user "$DB_USER" "$DB_PASSWORD" server
fi
add_users "${ADMIN_USERS:-}" "${ADMIN_PASSWORDS:-}"
add_users "${STATS_USERS:-}" "${STATS_PASSWORDS:-}"

if [ $# -eq 0 ]; then
    exec "$here/../bin/jbouncer" "$ini"
fi
exec "$@"
