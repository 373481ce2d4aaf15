using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>One formatted log line, kept for assertions, with its event id (0 when the line has none).</summary>
public sealed record LogEntry(string Category, LogLevel Level, string Message, Exception? Exception, int EventId = 0)
{
    public override string ToString() => $"{Level,-11} {Category}: {Message}{(Exception is null ? "" : $" [{Exception.GetType().Name}: {Exception.Message}]")}";
}

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps every FedFace log line (Debug and up), and the warnings of
/// everything else along with any of its information lines that carry an exception (a stack trace in the log), so tests can assert what the aggregator and the sites said and why. Each line is also
/// echoed to the test's output, which is what a failing test shows.
/// </summary>
public sealed class CapturedLog(ITestOutputHelper? output = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>A logger factory that writes only here (for synthetic sites and raw clients).</summary>
    public ILoggerFactory Factory() => LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(LogLevel.Trace);
        builder.AddProvider(this);
    });

    public IReadOnlyList<LogEntry> Matching(string fragment, string? categoryPrefix = null) =>
        [.. _entries.Where(e => e.Message.Contains(fragment, StringComparison.Ordinal)
            && (categoryPrefix is null || e.Category.StartsWith(categoryPrefix, StringComparison.Ordinal)))];

    /// <summary>Waits (polling) until a line containing <paramref name="fragment"/> was logged.</summary>
    public async Task<LogEntry> WaitForAsync(string fragment, TimeSpan timeout, string? categoryPrefix = null)
    {
        LogEntry? found = null;
        await Eventually.TrueAsync(() => (found = Matching(fragment, categoryPrefix).FirstOrDefault()) is not null, timeout,
            () => $"no log line containing '{fragment}'{(categoryPrefix is null ? "" : $" from {categoryPrefix}*")}; the log was:\n{Dump()}");
        return found!;
    }

    public string Dump() => string.Join('\n', _entries.Select(e => e.ToString()));

    private static bool Wanted(string category, LogLevel level) =>
        level != LogLevel.None && (category.StartsWith("FedFace", StringComparison.Ordinal) ? level >= LogLevel.Debug : level >= LogLevel.Information);

    private static bool Kept(string category, LogLevel level, Exception? exception) =>
        Wanted(category, level) && (category.StartsWith("FedFace", StringComparison.Ordinal) || level >= LogLevel.Warning || exception is not null);

    private void Add(LogEntry entry)
    {
        _entries.Enqueue(entry);
        try
        {
            output?.WriteLine(entry.ToString());
        }
        catch (InvalidOperationException)
        {
            // A background thread logged after its test had finished; the line is still kept above.
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => Wanted(category, logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Kept(category, logLevel, exception))
            {
                log.Add(new LogEntry(category, logLevel, formatter(state, exception), exception, eventId.Id));
            }
        }
    }
}
