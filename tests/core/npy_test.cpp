// .npy reader/writer: round trips for every dtype, files written by NumPy itself (every format
// version, Fortran order, big-endian), our files read back by NumPy, and malformed files.
#include "core/data/npy.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

using namespace genra;
namespace fs = std::filesystem;

namespace {

std::string errorOf(const fs::path& path) {
    try {
        data::readNpy(path);
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string npyBytes(const std::string& dict, int major = 1) {
    std::string header = dict;
    const std::size_t preamble = major == 1 ? 10 : 12;
    while ((preamble + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string out("\x93NUMPY", 6);
    out += static_cast<char>(major);
    out += '\0';
    const std::size_t len = header.size();
    for (int i = 0; i < (major == 1 ? 2 : 4); ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
    return out + header;
}

}  // namespace

TEST_CASE("npy round trip keeps dtype, shape and values", "[npy][metrics]") {
    test::TempDir tmp;
    const auto path = tmp / "a.npy";
    const auto base = torch::arange(-6, 6, torch::kDouble).reshape({3, 4}) * 1.5;
    for (const auto type : {torch::kDouble, torch::kFloat, torch::kHalf, torch::kLong, torch::kInt, torch::kShort,
                            torch::kChar, torch::kByte, torch::kBool}) {
        DYNAMIC_SECTION("dtype " << c10::toString(type)) {
            const auto original = type == torch::kByte ? base.abs().to(type) : base.to(type);
            data::writeNpy(path, original);
            const auto back = data::readNpy(path);
            CHECK(back.scalar_type() == type);
            CHECK(back.sizes() == original.sizes());
            CHECK(torch::equal(back, original));
            // The data starts on a 64-byte boundary, as NumPy writes it.
            const auto bytes = test::readFile(path);
            CHECK((bytes.size() - static_cast<std::size_t>(original.numel() * original.element_size())) % 64 == 0);
        }
    }
    SECTION("0-d, empty and non-contiguous tensors") {
        const auto scalar = torch::tensor(3.25);
        data::writeNpy(path, scalar);
        auto back = data::readNpy(path);
        CHECK(back.dim() == 0);
        CHECK(back.item<double>() == 3.25);

        data::writeNpy(path, torch::zeros({0, 5}));
        back = data::readNpy(path);
        CHECK(back.sizes() == torch::IntArrayRef({0, 5}));

        const auto transposed = torch::arange(12, torch::kFloat).reshape({3, 4}).t();
        data::writeNpy(path, transposed);
        CHECK(torch::equal(data::readNpy(path), transposed.contiguous()));
    }
    SECTION("unsupported dtypes are refused") {
        CHECK_THROWS_WITH(data::writeNpy(path, torch::zeros({2}, torch::kBFloat16)),
                          Catch::Contains("cannot be written to .npy"));
    }
}

TEST_CASE("npy files written by NumPy are read exactly, and ours by NumPy", "[npy][metrics]") {
    if (!test::pythonOrSkip("numpy")) return;
    test::TempDir tmp;
    const std::string script = R"PY(
import sys, numpy as np
from numpy.lib import format as fmt
d = sys.argv[1]
a = (np.arange(24, dtype=np.float64).reshape(2, 3, 4) - 7.5) / 3
np.save(d + '/f8.npy', a)
np.save(d + '/f4.npy', a.astype('<f4'))
np.save(d + '/f2.npy', a.astype('<f2'))
np.save(d + '/i8.npy', np.arange(-5, 7, dtype='<i8').reshape(3, 4))
np.save(d + '/i4.npy', np.arange(-5, 7, dtype='<i4'))
np.save(d + '/u1.npy', np.arange(250, 256, dtype='|u1'))
np.save(d + '/b1.npy', np.array([True, False, True]))
np.save(d + '/fortran.npy', np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3)))
np.save(d + '/bigendian.npy', np.arange(5, dtype='>f8') / 4)
np.save(d + '/scalar.npy', np.float32(2.5))
for version in [(2, 0), (3, 0)]:
    with open(d + '/v%d.npy' % version[0], 'wb') as f:
        fmt.write_array(f, np.arange(6, dtype='<i4').reshape(3, 2), version=version)
np.save(d + '/structured.npy', np.zeros(2, dtype=[('x', '<f4'), ('y', '<i4')]))
np.save(d + '/complex.npy', np.zeros(2, dtype='<c8'))
)PY";
    const auto scriptPath = tmp / "make.py";
    test::writeFile(scriptPath, script);
    const auto made = test::runProcess({test::pythonExecutable().string(), scriptPath.string(), tmp.path().string()});
    REQUIRE(made.exitCode == 0);

    const auto a = (torch::arange(24, torch::kDouble).reshape({2, 3, 4}) - 7.5) / 3;
    CHECK(torch::equal(data::readNpy(tmp / "f8.npy"), a));
    CHECK(torch::equal(data::readNpy(tmp / "f4.npy"), a.to(torch::kFloat)));
    CHECK(torch::equal(data::readNpy(tmp / "f2.npy"), a.to(torch::kHalf)));
    CHECK(torch::equal(data::readNpy(tmp / "i8.npy"), torch::arange(-5, 7, torch::kLong).reshape({3, 4})));
    CHECK(torch::equal(data::readNpy(tmp / "i4.npy"), torch::arange(-5, 7, torch::kInt)));
    CHECK(torch::equal(data::readNpy(tmp / "u1.npy"), torch::arange(250, 256, torch::kLong).to(torch::kByte)));
    CHECK(torch::equal(data::readNpy(tmp / "b1.npy"), torch::tensor({true, false, true})));
    CHECK(torch::equal(data::readNpy(tmp / "fortran.npy"), torch::arange(6, torch::kFloat).reshape({2, 3})));
    CHECK(torch::equal(data::readNpy(tmp / "bigendian.npy"), torch::arange(5, torch::kDouble) / 4));
    const auto scalar = data::readNpy(tmp / "scalar.npy");
    CHECK(scalar.dim() == 0);
    CHECK(scalar.item<float>() == 2.5f);
    const auto expected = torch::arange(6, torch::kInt).reshape({3, 2});
    CHECK(torch::equal(data::readNpy(tmp / "v2.npy"), expected));
    CHECK(torch::equal(data::readNpy(tmp / "v3.npy"), expected));
    CHECK_THAT(errorOf(tmp / "structured.npy"), Catch::Contains("structured dtypes"));
    CHECK_THAT(errorOf(tmp / "complex.npy"), Catch::Contains("unsupported dtype '<c8'"));

    // And the other way: NumPy loads what we write, bit for bit.
    data::writeNpy(tmp / "ours_f4.npy", a.to(torch::kFloat));
    data::writeNpy(tmp / "ours_b1.npy", torch::tensor({false, true}));
    data::writeNpy(tmp / "ours_i8.npy", torch::arange(7, torch::kLong));
    const std::string check = R"PY(
import sys, numpy as np
d = sys.argv[1]
a = (np.arange(24, dtype=np.float64).reshape(2, 3, 4) - 7.5) / 3
x = np.load(d + '/ours_f4.npy')
assert x.dtype == np.float32 and x.shape == (2, 3, 4) and (x == a.astype(np.float32)).all()
y = np.load(d + '/ours_b1.npy')
assert y.dtype == np.bool_ and list(y) == [False, True]
z = np.load(d + '/ours_i8.npy')
assert z.dtype == np.int64 and list(z) == list(range(7))
print('ok')
)PY";
    test::writeFile(tmp / "check.py", check);
    const auto checked =
        test::runProcess({test::pythonExecutable().string(), (tmp / "check.py").string(), tmp.path().string()});
    CHECK(checked.err.empty());
    CHECK(checked.out == "ok\n");
}

TEST_CASE("malformed npy files raise errors naming the file", "[npy][metrics]") {
    test::TempDir tmp;
    const auto path = tmp / "bad.npy";
    const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";

    SECTION("bad magic") {
        test::writeFile(path, "PK\x03\x04 this is a zip file");
        const auto msg = errorOf(path);
        CHECK_THAT(msg, Catch::Contains(path.string()) && Catch::Contains("bad magic"));
    }
    SECTION("empty and missing files") {
        test::writeFile(path, "");
        CHECK_THAT(errorOf(path), Catch::Contains("bad magic"));
        CHECK_THAT(errorOf(path.string() + "-missing"), Catch::Contains("cannot open"));
    }
    SECTION("unsupported version") {
        auto bytes = npyBytes(good);
        bytes[6] = 4;
        test::writeFile(path, bytes);
        CHECK_THAT(errorOf(path), Catch::Contains("unsupported format version 4.0"));
    }
    SECTION("header cut short") {
        test::writeFile(path, npyBytes(good).substr(0, 30));
        CHECK_THAT(errorOf(path), Catch::Contains(path.string()) && Catch::Contains("ends inside the header"));
    }
    SECTION("bad header text") {
        test::writeFile(path, npyBytes("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 3), }"));
        CHECK_THAT(errorOf(path), Catch::Contains("expected True or False"));
        test::writeFile(path, npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }"));
        CHECK_THAT(errorOf(path), Catch::Contains("non-negative integer"));
        test::writeFile(path, npyBytes("{'descr': '<f4', 'shape': (2, 3), }"));
        CHECK_THAT(errorOf(path), Catch::Contains("missing one of the keys"));
        test::writeFile(path, npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}"));
        CHECK_THAT(errorOf(path), Catch::Contains("unexpected key 'x'"));
        test::writeFile(path, npyBytes("['descr']"));
        CHECK_THAT(errorOf(path), Catch::Contains("expected '{'"));
    }
    SECTION("unsupported dtype") {
        test::writeFile(path, npyBytes("{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }") +
                                  std::string(8, '\0'));
        CHECK_THAT(errorOf(path), Catch::Contains("unsupported dtype '<u4'"));
    }
    SECTION("truncated data") {
        test::writeFile(path, npyBytes(good) + std::string(23, '\0'));
        CHECK_THAT(errorOf(path),
                   Catch::Contains(path.string()) && Catch::Contains("truncated") && Catch::Contains("24 bytes"));
        const auto bytes = npyBytes(good) + std::string(23, '\0');
        CHECK_THROWS_WITH(data::parseNpy(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "mem"),
                          Catch::Contains("mem") && Catch::Contains("truncated"));
    }
    SECTION("Fortran order is transposed into C order") {
        std::string bytes = npyBytes("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }");
        for (std::int32_t v : {0, 3, 1, 4, 2, 5}) bytes.append(reinterpret_cast<const char*>(&v), 4);
        test::writeFile(path, bytes);
        CHECK(torch::equal(data::readNpy(path), torch::arange(6, torch::kInt).reshape({2, 3})));
    }
}
