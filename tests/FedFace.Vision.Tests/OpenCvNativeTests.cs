namespace FedFace.Vision.Tests;

public sealed class OpenCvNativeTests
{
    // What .NET's loader said on a Debian 12 machine without libgtk-3-0 (paths shortened): every path it tried, and in
    // one line the dependency that was missing.
    private const string LoaderMessageWithoutGtk =
        "Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies. In order to help diagnose loading problems, consider using a tool like strace.\n"
        + "/app/bin/OpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n"
        + "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/OpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n"
        + "libgtk-3.so.0: cannot open shared object file: No such file or directory\n"
        + "/app/bin/libOpenCvSharpExtern: cannot open shared object file: No such file or directory\n";

    [Fact]
    public void AMissingDependencyIsNamedWithWhatInstallsIt()
    {
        string description = OpenCvNative.DescribeLoadFailure(LoaderMessageWithoutGtk);

        Assert.Contains("needs libgtk-3.so.0", description, StringComparison.Ordinal);
        Assert.Contains("apt-get install libgtk-3-0", description, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', description);
    }

    [Fact]
    public void WithoutANamedDependencyTheLoadersFirstLineIsKept()
    {
        string description = OpenCvNative.DescribeLoadFailure(
            "Unable to load shared library 'OpenCvSharpExtern'.\n/app/bin/OpenCvSharpExtern.so: cannot open shared object file: No such file or directory\n");

        Assert.Equal("OpenCV's native library (OpenCvSharpExtern) could not be loaded: Unable to load shared library 'OpenCvSharpExtern'.", description);
    }

    [Fact]
    public void LoadsOnThisMachine()
    {
        OpenCvNative.EnsureLoaded();
    }
}
