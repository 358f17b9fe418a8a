using System.Buffers.Binary;
using System.Text;

namespace SpikeKit.Native;

/// <summary>
/// Minimal reader (and one-flag writer) for the symbol-version sections of a 64-bit little-endian ELF
/// shared object: <c>.gnu.version_r</c> (versions it needs), <c>.gnu.version_d</c> (versions it defines)
/// and <c>.gnu.version</c> (which version each dynamic symbol uses). Used only by <see cref="TorchNative"/>.
/// </summary>
internal sealed class ElfVersionInfo
{
    const uint ShtDynsym = 11, ShtVerdef = 0x6ffffffd, ShtVerneed = 0x6ffffffe, ShtVersym = 0x6fffffff;

    /// <summary>The <c>VER_FLG_WEAK</c> flag of a Vernaux entry: a missing version is then a warning, not an error.</summary>
    public const ushort VerFlagWeak = 2;

    /// <summary>One Vernaux entry: a version that <see cref="File"/> must provide.</summary>
    public sealed record Need(string File, string Version, ushort Index, ushort Flags, int FlagsOffset);

    readonly byte[] _elf;
    public IReadOnlyList<Need> Needs { get; }
    public IReadOnlySet<string> Defines { get; }

    ElfVersionInfo(byte[] elf, List<Need> needs, HashSet<string> defines) { _elf = elf; Needs = needs; Defines = defines; }

    public static ElfVersionInfo Read(string path) => Parse(File.ReadAllBytes(path), path);

    public static ElfVersionInfo Parse(byte[] elf, string path)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException($"{path}: not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{path}: only 64-bit little-endian ELF is supported");
        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        var needs = new List<Need>();
        var defines = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            uint type = U32(elf, sh + 4);
            if (type != ShtVerneed && type != ShtVerdef) continue;
            long off = (long)U64(elf, sh + 0x18);
            uint link = U32(elf, sh + 0x28), count = U32(elf, sh + 0x2C);
            long strOff = (long)U64(elf, shoff + link * shentsize + 0x18);
            if (type == ShtVerneed)
            {
                long vn = off;
                for (uint k = 0; k < count; k++)
                {
                    ushort cnt = U16(elf, vn + 2);
                    string file = Str(elf, strOff + U32(elf, vn + 4));
                    long aux = vn + U32(elf, vn + 8);
                    for (int a = 0; a < cnt; a++)
                    {
                        needs.Add(new Need(file, Str(elf, strOff + U32(elf, aux + 8)), U16(elf, aux + 6), U16(elf, aux + 4), checked((int)(aux + 4))));
                        aux += U32(elf, aux + 12);
                    }
                    vn += U32(elf, vn + 12);
                }
            }
            else
            {
                long vd = off;
                for (uint k = 0; k < count; k++)
                {
                    long aux = vd + U32(elf, vd + 12);
                    defines.Add(Str(elf, strOff + U32(elf, aux)));
                    vd += U32(elf, vd + 16);
                }
            }
        }
        return new ElfVersionInfo(elf, needs, defines);
    }

    /// <summary>Names of the dynamic symbols bound to version index <paramref name="index"/>.</summary>
    public IReadOnlyList<string> SymbolsUsingVersion(ushort index)
    {
        var elf = _elf;
        long shoff = (long)U64(elf, 0x28);
        int shentsize = U16(elf, 0x3A), shnum = U16(elf, 0x3C);
        long versymOff = -1, dynsymOff = -1, dynsymSize = 0, dynstrOff = -1;
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            uint type = U32(elf, sh + 4);
            if (type == ShtVersym) versymOff = (long)U64(elf, sh + 0x18);
            else if (type == ShtDynsym)
            {
                dynsymOff = (long)U64(elf, sh + 0x18);
                dynsymSize = (long)U64(elf, sh + 0x20);
                dynstrOff = (long)U64(elf, shoff + U32(elf, sh + 0x28) * shentsize + 0x18);
            }
        }
        var names = new List<string>();
        if (versymOff < 0 || dynsymOff < 0) return names;
        for (long s = 0; s < dynsymSize / 24; s++)
            if ((U16(elf, versymOff + 2 * s) & 0x7fff) == index)
                names.Add(Str(elf, dynstrOff + U32(elf, dynsymOff + 24 * s)));
        return names;
    }

    /// <summary>A copy of the file with <c>VER_FLG_WEAK</c> set on the given needs.</summary>
    public byte[] WithWeakNeeds(IEnumerable<Need> needs)
    {
        var copy = (byte[])_elf.Clone();
        foreach (var n in needs)
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(n.FlagsOffset), (ushort)(n.Flags | VerFlagWeak));
        return copy;
    }

    static ushort U16(byte[] b, long o) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(checked((int)o)));
    static uint U32(byte[] b, long o) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(checked((int)o)));
    static ulong U64(byte[] b, long o) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(checked((int)o)));
    static string Str(byte[] b, long o)
    {
        int start = checked((int)o), end = Array.IndexOf(b, (byte)0, start);
        return Encoding.ASCII.GetString(b, start, end - start);
    }
}
