namespace Obsess.Tests.Infrastructure;

/// <summary>
/// Every "…_on_postgres" class is in this collection: they run one after another (each with its own app and
/// database) while the SQLite classes run alongside, and a server started by the tests is stopped when the
/// last of them is done, inside the run, rather than at process exit, which the test host may cut short.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCollection.ServerLifetime>
{
    public const string Name = "postgres";

    public sealed class ServerLifetime : IAsyncLifetime
    {
        public Task InitializeAsync() => Task.CompletedTask;

        public Task DisposeAsync() => PostgresServer.StopAsync();
    }
}
