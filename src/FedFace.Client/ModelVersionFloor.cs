using System.Text.Json;

namespace FedFace.Client;

/// <summary>
/// The newest global model this site has accepted (its signature checked). An aggregator whose state was rolled back by
/// someone without the signing key can still serve an older model with its valid signature; the floor makes the site
/// refuse it, and a different model under the version it already accepted (a fork). Kept in the site's state folder so
/// it outlives a restart of the site; without a folder it holds for this run only.
/// </summary>
public sealed class ModelVersionFloor
{
    public const string FileName = "model-version-floor.json";

    private readonly string? _path;
    private AcceptedModel? _newest;

    private ModelVersionFloor(string? path, AcceptedModel? newest)
    {
        _path = path;
        _newest = newest;
    }

    /// <summary>The version floor kept in <paramref name="stateDirectory"/> (created if absent); empty: in memory only.</summary>
    /// <exception cref="FatalSiteException">when the floor file exists but cannot be read: the site must not forget its floor silently.</exception>
    public static ModelVersionFloor Open(string stateDirectory)
    {
        if (string.IsNullOrEmpty(stateDirectory))
        {
            return new ModelVersionFloor(null, null);
        }
        string path = Path.Combine(stateDirectory, FileName);
        if (!File.Exists(path))
        {
            return new ModelVersionFloor(path, null);
        }
        try
        {
            AcceptedModel? newest = JsonSerializer.Deserialize<AcceptedModel>(File.ReadAllText(path));
            return newest is { Version: >= 0, Sha256: { Length: 64 } }
                ? new ModelVersionFloor(path, newest)
                : throw new FatalSiteException($"the model version floor '{path}' is incomplete (a version and a 64-hex-digit SHA-256 are required); restore it or, knowingly, delete it");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw new FatalSiteException($"cannot read the model version floor '{path}': {e.Message}; restore it or, knowingly, delete it");
        }
    }

    /// <summary>The newest model accepted so far, if any.</summary>
    public long? Version => _newest?.Version;

    /// <summary>Why a round offering this model must be refused; null when it is not older than the floor nor a fork of it.</summary>
    public string? RefusalOf(long modelVersion, ReadOnlySpan<byte> modelSha256)
    {
        if (_newest is not { } newest)
        {
            return null;
        }
        if (modelVersion < newest.Version)
        {
            return $"model v{modelVersion} is older than model v{newest.Version} (round {newest.Round}) this site already accepted: "
                + $"the aggregator's state was rolled back{ResetHint}";
        }
        if (modelVersion == newest.Version && !string.Equals(Convert.ToHexStringLower(modelSha256), newest.Sha256, StringComparison.Ordinal))
        {
            return $"model v{modelVersion} is not the model v{newest.Version} this site already accepted (SHA-256 {newest.Sha256}): "
                + $"the aggregator's history forked{ResetHint}";
        }
        return null;
    }

    private string ResetHint => _path is null ? "" : $" (for a federation started anew on purpose, delete {_path})";

    /// <summary>Raises the floor to a model whose signature checked out; written atomically (0600) before the site trains on it.</summary>
    public void Accept(long modelVersion, long round, ReadOnlySpan<byte> modelSha256)
    {
        if (_newest is { } newest && newest.Version >= modelVersion)
        {
            return;
        }
        var accepted = new AcceptedModel(modelVersion, round, Convert.ToHexStringLower(modelSha256));
        if (_path is not null)
        {
            Write(_path, accepted);
        }
        _newest = accepted;
    }

    private static void Write(string path, AcceptedModel accepted)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string temporary = path + ".tmp";
        File.Delete(temporary); // a leftover of a crash may have other permissions, which creating anew would keep
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Options = FileOptions.WriteThrough };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, accepted);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    private sealed record AcceptedModel(long Version, long Round, string Sha256);
}
