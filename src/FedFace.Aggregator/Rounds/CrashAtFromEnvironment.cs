using FedFace.Core.Storage;
using FedFace.Protocol.Storage;

namespace FedFace.Aggregator.Rounds;

/// <summary>
/// For crash-consistency runs: FEDFACE_CRASH_AT=&lt;file&gt;.&lt;step&gt;:&lt;round&gt; (e.g. <c>State.Renamed:3</c>) kills the
/// process at that step of that round's commit, with nothing run after it, as a kill -9 there would. Unset: no faults.
/// </summary>
public sealed class CrashAtFromEnvironment : ICommitFaults
{
    public const string Variable = "FEDFACE_CRASH_AT";

    private readonly string _setting;
    private readonly CommitFile _file;
    private readonly AtomicWriteStep _step;
    private readonly long _round;

    private CrashAtFromEnvironment(string setting, CommitFile file, AtomicWriteStep step, long round)
    {
        (_setting, _file, _step, _round) = (setting, file, step, round);
    }

    public static ICommitFaults Read() => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } setting ? Parse(setting) : NoCommitFaults.Instance;

    public static CrashAtFromEnvironment Parse(string setting)
    {
        string[] whereAndRound = setting.Split(':');
        string[] fileAndStep = whereAndRound[0].Split('.');
        if (whereAndRound.Length == 2 && fileAndStep.Length == 2
            && Enum.TryParse(fileAndStep[0], ignoreCase: true, out CommitFile file) && Enum.IsDefined(file)
            && Enum.TryParse(fileAndStep[1], ignoreCase: true, out AtomicWriteStep step) && Enum.IsDefined(step)
            && long.TryParse(whereAndRound[1], out long round) && round >= 0)
        {
            return new CrashAtFromEnvironment(setting, file, step, round);
        }
        throw new AggregatorStartupException($"{Variable} '{setting}' is not <file>.<step>:<round>, with file one of "
            + $"{string.Join(", ", Enum.GetNames<CommitFile>())} and step one of {string.Join(", ", Enum.GetNames<AtomicWriteStep>())}");
    }

    public void After(long round, CommitFile file, AtomicWriteStep step)
    {
        if ((round, file, step) == (_round, _file, _step))
        {
            Environment.FailFast($"{Variable}={_setting}: crashing here, as a kill -9 would");
        }
    }
}
