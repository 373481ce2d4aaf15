using System.Reflection;
using Microsoft.Extensions.Logging;

namespace FedFace.Aggregator.Tests;

/// <summary>
/// The aggregator's log event ids are a contract with whoever searches and alerts on them: this table may only grow. It
/// is also the table docs/operations.md publishes.
/// </summary>
public sealed class AggregatorLogEventIdsTests
{
    private static readonly (int Id, string Name, LogLevel Level)[] Published =
    [
        (1001, "Listening", LogLevel.Information),
        (1002, "ManagementListening", LogLevel.Information),
        (1003, "StateResumed", LogLevel.Information),
        (1004, "FederationStarted", LogLevel.Information),
        (1005, "FederationFinished", LogLevel.Information),
        (1006, "RoundLoopFailed", LogLevel.Critical),
        (2001, "RoundOpened", LogLevel.Information),
        (2002, "RoundNotOpened", LogLevel.Warning),
        (2003, "RoundCommitted", LogLevel.Information),
        (2004, "RoundAborted", LogLevel.Warning),
        (2005, "PrivacySpent", LogLevel.Information),
        (3001, "SiteJoined", LogLevel.Information),
        (3002, "SiteLeftSample", LogLevel.Warning),
        (3003, "SiteBack", LogLevel.Information),
        (3004, "UpdateAccepted", LogLevel.Information),
        (3005, "UpdateRejected", LogLevel.Warning),
        (3006, "RoundDeclined", LogLevel.Warning),
    ];

    [Fact]
    public void Every_event_keeps_its_id_name_and_level()
    {
        Assert.Equal(Published, Declared());
    }

    [Fact]
    public void No_two_events_share_an_id_or_a_name()
    {
        (int Id, string Name, LogLevel Level)[] declared = Declared();

        Assert.Equal(declared.Length, declared.Select(e => e.Id).Distinct().Count());
        Assert.Equal(declared.Length, declared.Select(e => e.Name).Distinct().Count());
    }

    [Fact]
    public void Docs_operations_lists_every_event_with_its_id_and_level()
    {
        string operations = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "operations.md"));

        Assert.All(Declared(), e => Assert.Contains($"| {e.Id} | `{e.Name}` | {e.Level} |", operations, StringComparison.Ordinal));
    }

    private static (int Id, string Name, LogLevel Level)[] Declared() =>
    [
        .. typeof(AggregatorLog).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(a => (a.EventId, a.EventName!, a.Level))
            .OrderBy(e => e.EventId),
    ];

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FedFace.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no FedFace.sln above {AppContext.BaseDirectory}");
    }
}
