using System.Text.Json;
using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Core.Security;
using FedFace.Core.Storage;

namespace FedFace.Protocol.Storage;

/// <summary>
/// What the aggregator has committed: the last round, the model version it produced and its hash, the server
/// optimiser's state after that round (absent for FedAvg, which keeps none), the aggregator's signature over the model
/// (so a restarted aggregator serves the very signature it published) and the differential privacy carried to the
/// next round (absent without DP).
/// </summary>
public sealed record CommittedState(long CommittedRound, long ModelVersion, string ModelSha256, string ModelFileName, DateTimeOffset CommittedAtUtc,
    string? OptimizerName = null, string? OptimizerFileName = null, string? OptimizerSha256 = null,
    ModelSignature? Signature = null, DifferentialPrivacyCheckpoint? Privacy = null);

/// <summary>A server optimiser's state as committed with a model.</summary>
public sealed record OptimizerCheckpoint(string Name, ModelState State);

/// <summary>A loaded checkpoint, and what was skipped as damaged to reach it (empty when the latest one was intact).</summary>
public sealed record LoadedCheckpoint(CommittedState State, ModelState Model, OptimizerCheckpoint? Optimizer, IReadOnlyList<string> Damaged);

/// <summary>
/// The aggregator's durable state. A commit writes the model file first, then the state file that names
/// it, each atomically; a crash between the two leaves the previous state pointing at the previous model.
/// The optimiser's state is written like the model, before the state file that names both. Each commit's state is also
/// kept beside its model (models/state-vNNNNNN.json), so that when the latest checkpoint is damaged the aggregator can
/// resume from the newest intact earlier one (<see cref="LoadNewestIntact"/>).
/// </summary>
public sealed class CheckpointStore
{
    private const string StateFileName = "state.json";
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    private readonly ICommitFaults _faults;

    public CheckpointStore(string directory, ICommitFaults? faults = null)
    {
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "models"));
        _faults = faults ?? NoCommitFaults.Instance;
    }

    public string Directory { get; }

    public string StatePath => Path.Combine(Directory, StateFileName);

    public bool HasState => File.Exists(StatePath);

    public CommittedState Commit(long round, long version, ModelState model, OptimizerCheckpoint? optimizer = null,
        ModelSignature? signature = null, DifferentialPrivacyCheckpoint? privacy = null)
    {
        string fileName = ModelFileName(version);
        ModelFile.Write(Path.Combine(Directory, fileName), model, version, Faults(round, CommitFile.Model));
        string? optimizerFile = null;
        if (optimizer is not null)
        {
            optimizerFile = Path.Combine("models", $"optimizer-v{version:D6}.ffm");
            ModelFile.Write(Path.Combine(Directory, optimizerFile), optimizer.State, version, Faults(round, CommitFile.Optimizer));
        }
        var state = new CommittedState(round, version, model.ComputeSha256Hex(), fileName, DateTimeOffset.UtcNow,
            optimizer?.Name, optimizerFile, optimizer?.State.ComputeSha256Hex(), signature, privacy);
        AtomicFile.Write(Path.Combine(Directory, StateRecordFileName(version)), stream => JsonSerializer.Serialize(stream, state, s_json),
            Faults(round, CommitFile.StateRecord));
        AtomicFile.Write(StatePath, stream => JsonSerializer.Serialize(stream, state, s_json), Faults(round, CommitFile.State));
        return state;
    }

    /// <summary>
    /// Deletes the temporary files a commit killed mid-write left behind, and returns their names. Only at start-up,
    /// before anything commits: a commit in progress has temporary files of the same kind.
    /// </summary>
    public IReadOnlyList<string> RemoveOrphanedTemporaries() =>
        [.. AtomicFile.RemoveOrphanedTemporaries(Directory), .. AtomicFile.RemoveOrphanedTemporaries(Path.Combine(Directory, "models"))];

    private Action<AtomicWriteStep> Faults(long round, CommitFile file) => step => _faults.After(round, file, step);

    /// <summary>
    /// The latest checkpoint if it is intact; otherwise the newest earlier one that is, from the per-commit state records,
    /// with what was damaged on the way. Throws InvalidDataException naming every damaged file when none is intact.
    /// </summary>
    public LoadedCheckpoint LoadNewestIntact()
    {
        var damaged = new List<string>();
        long? latestVersion = null;
        try
        {
            (CommittedState state, ModelState model, OptimizerCheckpoint? optimizer) = Load();
            return new LoadedCheckpoint(state, model, optimizer, damaged);
        }
        catch (Exception e) when (IsDamage(e))
        {
            damaged.Add(e.Message);
            latestVersion = TryReadVersion(StatePath);
        }
        foreach (long version in RecordedVersions().Where(v => latestVersion is null || v < latestVersion))
        {
            try
            {
                (CommittedState state, ModelState model, OptimizerCheckpoint? optimizer) = LoadFrom(Path.Combine(Directory, StateRecordFileName(version)));
                return new LoadedCheckpoint(state, model, optimizer, damaged);
            }
            catch (Exception e) when (IsDamage(e))
            {
                damaged.Add(e.Message);
            }
        }
        throw new InvalidDataException($"no intact checkpoint in {Directory}: {string.Join("; ", damaged)}");
    }

    /// <summary>
    /// The highest model version any file here names (the state, kept state records, model files): a model published
    /// again after a fall-back takes a version above it, so that no site that saw a lost version is asked to go back.
    /// </summary>
    public long HighestVersionOnDisk()
    {
        IEnumerable<long> modelFiles = System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "models"), "global-v*.ffm")
            .Select(path => long.TryParse(Path.GetFileNameWithoutExtension(path)["global-v".Length..], out long version) ? version : -1);
        return RecordedVersions().Concat(modelFiles).Append(TryReadVersion(StatePath) ?? -1).Max();
    }

    private static bool IsDamage(Exception e) => e is InvalidDataException or IOException or UnauthorizedAccessException;

    /// <summary>The versions with a kept state record, newest first.</summary>
    private IEnumerable<long> RecordedVersions() =>
        System.IO.Directory.EnumerateFiles(Path.Combine(Directory, "models"), "state-v*.json")
            .Select(path => Path.GetFileNameWithoutExtension(path)["state-v".Length..])
            .Select(digits => long.TryParse(digits, out long version) ? version : -1)
            .Where(version => version >= 0)
            .OrderDescending();

    /// <summary>The model version a state file names, if it can be read at all.</summary>
    private static long? TryReadVersion(string statePath)
    {
        try
        {
            return JsonSerializer.Deserialize<CommittedState>(File.ReadAllText(statePath))?.ModelVersion;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// Loads the last committed state, model and optimiser state (null when none was committed), checking each file
    /// against the recorded version and hash.
    /// </summary>
    public (CommittedState State, ModelState Model, OptimizerCheckpoint? Optimizer) Load() => LoadFrom(StatePath);

    private (CommittedState State, ModelState Model, OptimizerCheckpoint? Optimizer) LoadFrom(string statePath)
    {
        CommittedState state;
        try
        {
            state = JsonSerializer.Deserialize<CommittedState>(File.ReadAllText(statePath))
                ?? throw new InvalidDataException($"{statePath} is empty");
            if (state.ModelFileName is null || state.ModelSha256 is null)
            {
                throw new InvalidDataException($"{statePath} is not valid checkpoint state: it names no model file or hash");
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{statePath} is not valid checkpoint state: {e.Message}", e);
        }
        ModelState model = ReadChecked(statePath, state.ModelFileName, state.ModelVersion, state.ModelSha256);
        // Its hash may match and still be unusable (committed before commits were checked): sites would refuse it.
        if (OutOfRangeValue.FirstIn(model) is { } nonFinite)
        {
            throw new InvalidDataException($"{state.ModelFileName} (model v{state.ModelVersion}) is not finite: {nonFinite}");
        }
        OptimizerCheckpoint? optimizer = null;
        if (state.OptimizerFileName is not null)
        {
            if (state.OptimizerName is null || state.OptimizerSha256 is null)
            {
                throw new InvalidDataException($"{statePath} names an optimiser state file but not its optimiser or hash");
            }
            optimizer = new OptimizerCheckpoint(state.OptimizerName, ReadChecked(statePath, state.OptimizerFileName, state.ModelVersion, state.OptimizerSha256));
        }
        return (state, model, optimizer);
    }

    /// <summary>
    /// An earlier committed model, kept in its own file: the file's hash is checked as it is read, and it must hold
    /// <paramref name="version"/>. Missing or damaged files throw (FileNotFoundException, InvalidDataException).
    /// </summary>
    public ModelState ReadModel(long version)
    {
        string path = Path.Combine(Directory, ModelFileName(version));
        (ModelState model, long stored) = ModelFile.Read(path);
        if (stored != version)
        {
            throw new InvalidDataException($"{path} holds model version {stored}, not {version}");
        }
        return model;
    }

    private static string ModelFileName(long version) => Path.Combine("models", $"global-v{version:D6}.ffm");

    private static string StateRecordFileName(long version) => Path.Combine("models", $"state-v{version:D6}.json");

    private ModelState ReadChecked(string statePath, string fileName, long expectedVersion, string expectedSha256)
    {
        (ModelState model, long version) = ModelFile.Read(Path.Combine(Directory, fileName));
        if (version != expectedVersion || model.ComputeSha256Hex() != expectedSha256)
        {
            throw new InvalidDataException(
                $"{fileName} holds version {version} with hash {model.ComputeSha256Hex()}, but {statePath} records version {expectedVersion} with {expectedSha256}");
        }
        return model;
    }
}
