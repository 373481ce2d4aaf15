using FedFace.DevelopmentData;

namespace FedFace.Cli.Tests;

/// <summary>What a command run printed and returned.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs <c>fedface</c> in-process, with the pretrained model and its recipe at hand.</summary>
public static class Fedface
{
    public static string Model => SharedData.MobileFaceNetOnnx;

    /// <summary>The YuNet face detector's model, which every command that finds faces must be given.</summary>
    public static string Detector => SharedData.YuNetModel;

    /// <summary>The recipe options every test uses: the pretrained model with the normalisation it was trained with, and the detector.</summary>
    public static string[] PretrainedModel => ["--model", Model, "--normalization", "imagenet", "--detector-model", Detector];

    public static CliRun Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = CommandDispatcher.Run(Program.Commands, args, output, error);
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}

/// <summary>
/// A temporary folder of real LFW photos laid out as a site (a folder per person), built at test time and deleted
/// afterwards; nothing of the shared data is kept in the repository.
/// </summary>
public sealed class PhotoFolder : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("fedface-cli-").FullName;

    /// <summary>Copies LFW photos <paramref name="numbers"/> of <paramref name="person"/> into <c>folder/person/</c>; returns their paths.</summary>
    public string[] AddLfw(string folder, string person, params int[] numbers) =>
        [.. numbers.Select(n => AddFile(Path.Combine(folder, person, $"{person}_{n:D4}.jpg"), File.ReadAllBytes(SharedData.LfwImage(person, n))))];

    public string AddFile(string relativePath, byte[] content)
    {
        string path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
