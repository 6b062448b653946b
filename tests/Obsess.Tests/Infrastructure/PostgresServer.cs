using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Obsess.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL the tests create their databases on: the server named by OBSESS_TEST_POSTGRES, or else a
/// throw-away server started here from Debian's postgresql binaries (one per test run, stopped at exit).
/// Never skipped: without PostgreSQL the PostgreSQL half of the suite fails and says what to install.
/// </summary>
internal static class PostgresServer
{
    public const string EnvironmentVariable = "OBSESS_TEST_POSTGRES";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _started;
    private static (string Bin, string Data, string Root, bool AsRoot)? _running;

    /// <summary>A connection string to the base database, on which <c>CREATE DATABASE</c> is allowed.</summary>
    public static async Task<string> BaseConnectionStringAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        await Gate.WaitAsync();
        try
        {
            return _started ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>Creates an empty database with a random name and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var baseConnection = await BaseConnectionStringAsync();
        var name = $"obsess_test_{Guid.NewGuid():N}"[..32];
        await using (var connection = new NpgsqlConnection(baseConnection))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(baseConnection) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using var connection = new NpgsqlConnection(await BaseConnectionStringAsync());
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Stops the server this process started, if any, and deletes its files.</summary>
    public static async Task StopAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (_running is not { } server)
            {
                return;
            }

            _running = null;
            _started = null;
            NpgsqlConnection.ClearAllPools();
            try
            {
                await RunAsync(Path.Combine(server.Bin, "pg_ctl"), ["-D", server.Data, "-m", "immediate", "-w", "stop"], server.AsRoot);
                Directory.Delete(server.Root, recursive: true);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"Could not stop the test PostgreSQL in {server.Root}: {e.Message}");
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<string> StartAsync()
    {
        // Folders of earlier runs whose server is no longer running (a killed test host leaves them behind).
        foreach (var stale in Directory.GetDirectories(Path.GetTempPath(), "obsess-tests-pg-*")
                     .Where(d => !File.Exists(Path.Combine(d, "data", "postmaster.pid"))))
        {
            try
            {
                Directory.Delete(stale, recursive: true);
            }
            catch (IOException)
            {
                // Another run may be using it; it will be swept next time.
            }
        }

        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException(
                "The PostgreSQL tests need PostgreSQL: install Debian's `postgresql` package (apt-get install postgresql; "
                + "the tests then start a throw-away server from /usr/lib/postgresql/*/bin), or set "
                + $"{EnvironmentVariable} to a connection string of a server where the tests may create databases "
                + "(e.g. \"Host=127.0.0.1;Port=55432;Username=obsess;Password=obsess;Database=obsess\").");
        }

        var root = Path.Combine(Path.GetTempPath(), $"obsess-tests-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            // initdb refuses to run as root; Debian's package provides the postgres user to run it as.
            await RunAsync("chown", ["postgres", root], asPostgres: false);
        }

        var data = Path.Combine(root, "data");
        var port = FreePort();
        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"], asRoot);
        await RunAsync(
            Path.Combine(bin, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(root, "log"), "-w", "start", "-o",
                $"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={root} -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"],
            asRoot);

        _running = (bin, data, root, asRoot);
        // A fallback only: the test host may be killed before this finishes. The postgres collection fixture stops
        // the server while the run is still going (see PostgresCollection).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAsync().GetAwaiter().GetResult();

        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Pooling=true";
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }
}
