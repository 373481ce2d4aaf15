using FedFace.DevelopmentData;

namespace FedFace.Cli.Tests;

public sealed class AlignCommandTests : IDisposable
{
    private readonly PhotoFolder _photos = new();

    [Fact]
    public void AlignsLoosePhotosAsWellAsPersonFolders()
    {
        // A camera's folder: photos with no person's folder, which alignment does not need.
        _photos.AddFile("camera/IMG_0001.jpg", File.ReadAllBytes(SharedData.LfwImage("Colin_Powell", 1)));
        _photos.AddFile("camera/IMG_0002.jpg", File.ReadAllBytes(SharedData.LfwImage("Tony_Blair", 1)));
        _photos.AddLfw("camera", "Serena_Williams", 1);

        CliRun run = Fedface.Run("align", _photos.PathOf("camera"), "--detector-model", Fedface.Detector, "--threads", "1");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"images\s+3\b", run.Output);
        Assert.Matches(@"loose \(in no person's folder\)\s+2\b", run.Output);
        Assert.Matches(@"faces kept\s+3\b", run.Output);
        Assert.Matches(@"ignored files \(other types\)\s+0\b", run.Output);
    }

    public void Dispose() => _photos.Dispose();
}
