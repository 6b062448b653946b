using Npgsql;
using Obsess.Data;

namespace Obsess.Tests.Data;

/// <summary>The --database option: what the connection string becomes, and the messages for a bad one.</summary>
public sealed class StorageTests
{
    [Fact]
    public void No_database_means_the_embedded_sqlite_file_in_the_data_folder()
    {
        var storage = Storage.Create("/tmp/obsess-x", null);

        storage.IsPostgres.ShouldBeFalse();
        storage.SqlitePath.ShouldBe(Path.Combine("/tmp/obsess-x", "obsess.db"));
    }

    [Fact]
    public void A_postgres_connection_string_gets_automatic_preparation_unless_it_says_otherwise()
    {
        var plain = Storage.Create(null, "Host=db.internal;Username=u;Password=p;Database=obsess");
        var off = Storage.Create(null, "Host=db.internal;Username=u;Password=p;Database=obsess;Max Auto Prepare=0");
        var mine = Storage.Create(null, "Host=db.internal;Username=u;Password=p;Database=obsess;maxautoprepare=7");

        new NpgsqlConnectionStringBuilder(plain.PostgresConnectionString).MaxAutoPrepare.ShouldBe(Storage.DefaultMaxAutoPrepare);
        new NpgsqlConnectionStringBuilder(off.PostgresConnectionString).MaxAutoPrepare.ShouldBe(0);
        new NpgsqlConnectionStringBuilder(mine.PostgresConnectionString).MaxAutoPrepare.ShouldBe(7);
        var kept = new NpgsqlConnectionStringBuilder(plain.PostgresConnectionString);
        (kept.Host, kept.Username, kept.Password, kept.Database).ShouldBe(("db.internal", "u", "p", "obsess"));
    }

    [Fact]
    public void The_description_never_shows_the_password()
    {
        Storage.Create(null, "Host=db.internal;Username=u;Password=s3cret;Database=obsess").Describe().ShouldNotContain("s3cret");
    }

    [Theory]
    [InlineData("Username=u;Database=obsess", "names no Host")]
    [InlineData("Host=x;Bogus Keyword=1", "not a valid PostgreSQL connection string")]
    public void A_bad_connection_string_is_refused_with_a_message_naming_the_option(string database, string reason)
    {
        var error = Should.Throw<StorageException>(() => Storage.Create(null, database));

        error.Message.ShouldStartWith("--database: ");
        error.Message.ShouldContain(reason);
    }
}
