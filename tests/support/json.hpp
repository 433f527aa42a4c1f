// Test support: a small, strict JSON reader for the golden data (../shared/reference/spectra.json).
// Numbers are parsed with strtod, which rounds correctly, so the "written as doubles (exact)" values
// come back bit for bit. Not part of the library.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cope_test {

class json {
 public:
  enum class kind { null, boolean, number, string, array, object };

  kind type() const { return kind_; }
  bool is_null() const { return kind_ == kind::null; }

  double number() const { return expect(kind::number), number_; }
  bool boolean() const { return expect(kind::boolean), boolean_; }
  const std::string& string() const { return expect(kind::string), string_; }
  const std::vector<json>& array() const { return expect(kind::array), array_; }
  const std::map<std::string, json>& object() const { return expect(kind::object), object_; }

  bool contains(const std::string& key) const { return object().count(key) != 0; }
  const json& operator[](const std::string& key) const {
    auto it = object().find(key);
    if (it == object_.end()) throw std::runtime_error("json: missing key '" + key + "'");
    return it->second;
  }
  const json& operator[](std::size_t i) const { return array().at(i); }
  std::size_t size() const { return kind_ == kind::array ? array_.size() : object().size(); }

  std::vector<double> numbers() const {
    std::vector<double> out;
    for (const json& v : array()) out.push_back(v.number());
    return out;
  }

  static json parse(const std::string& text) {
    std::size_t pos = 0;
    json v = parse_value(text, pos);
    skip_space(text, pos);
    if (pos != text.size()) throw std::runtime_error("json: trailing characters");
    return v;
  }

  static json parse_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("json: cannot open " + path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str());
  }

 private:
  void expect(kind k) const {
    if (kind_ != k) throw std::runtime_error("json: value has the wrong type");
  }

  static void skip_space(const std::string& t, std::size_t& pos) {
    while (pos < t.size() && (t[pos] == ' ' || t[pos] == '\n' || t[pos] == '\r' || t[pos] == '\t')) ++pos;
  }

  static void expect_char(const std::string& t, std::size_t& pos, char c) {
    skip_space(t, pos);
    if (pos >= t.size() || t[pos] != c) throw std::runtime_error(std::string("json: expected '") + c + "'");
    ++pos;
  }

  static std::string parse_string(const std::string& t, std::size_t& pos) {
    expect_char(t, pos, '"');
    std::string out;
    while (pos < t.size() && t[pos] != '"') {
      char c = t[pos++];
      if (c == '\\') {
        if (pos >= t.size()) break;
        char e = t[pos++];
        switch (e) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'u': {  // the golden data is ASCII; keep \uXXXX below 0x80, reject the rest
            unsigned code = static_cast<unsigned>(std::stoul(t.substr(pos, 4), nullptr, 16));
            pos += 4;
            if (code >= 0x80) throw std::runtime_error("json: non-ASCII \\u escape");
            out += static_cast<char>(code);
            break;
          }
          default: out += e;
        }
      } else {
        out += c;
      }
    }
    expect_char(t, pos, '"');
    return out;
  }

  static json parse_value(const std::string& t, std::size_t& pos) {
    skip_space(t, pos);
    if (pos >= t.size()) throw std::runtime_error("json: unexpected end");
    json v;
    const char c = t[pos];
    if (c == '{') {
      v.kind_ = kind::object;
      ++pos;
      skip_space(t, pos);
      if (t[pos] == '}') return ++pos, v;
      for (;;) {
        std::string key = parse_string(t, pos);
        expect_char(t, pos, ':');
        v.object_.emplace(std::move(key), parse_value(t, pos));
        skip_space(t, pos);
        if (t[pos] == ',') { ++pos; continue; }
        expect_char(t, pos, '}');
        return v;
      }
    }
    if (c == '[') {
      v.kind_ = kind::array;
      ++pos;
      skip_space(t, pos);
      if (t[pos] == ']') return ++pos, v;
      for (;;) {
        v.array_.push_back(parse_value(t, pos));
        skip_space(t, pos);
        if (t[pos] == ',') { ++pos; continue; }
        expect_char(t, pos, ']');
        return v;
      }
    }
    if (c == '"') {
      v.kind_ = kind::string;
      v.string_ = parse_string(t, pos);
      return v;
    }
    if (t.compare(pos, 4, "true") == 0) { pos += 4; v.kind_ = kind::boolean; v.boolean_ = true; return v; }
    if (t.compare(pos, 5, "false") == 0) { pos += 5; v.kind_ = kind::boolean; v.boolean_ = false; return v; }
    if (t.compare(pos, 4, "null") == 0) { pos += 4; return v; }
    const char* begin = t.c_str() + pos;
    char* end = nullptr;
    v.number_ = std::strtod(begin, &end);
    if (end == begin) throw std::runtime_error("json: bad value at offset " + std::to_string(pos));
    pos += static_cast<std::size_t>(end - begin);
    v.kind_ = kind::number;
    return v;
  }

  kind kind_ = kind::null;
  double number_ = 0;
  bool boolean_ = false;
  std::string string_;
  std::vector<json> array_;
  std::map<std::string, json> object_;
};

}  // namespace cope_test
