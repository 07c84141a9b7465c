package store

import (
	"database/sql"
	"flag"
	"os"

	"github.com/caarlos0/env/v6"
	"github.com/ilyakaznacheev/cleanenv"
	"github.com/jinzhu/gorm"
	"github.com/spf13/viper"
	goenv "github.com/qiangxue/go-env"
)

func Open() (*gorm.DB, error) {
	// ruleid: hardcoded-database-location-go
	return gorm.Open("sqlite3", "./data/app.db")
}

func OpenFromEnvironment() (*sql.DB, error) {
	// ruleid: config-from-environment-go
	dsn := os.Getenv("DATABASE_URL")
	// ok: hardcoded-database-location-go
	return sql.Open("postgres", dsn)
}

func Load() error {
	// ruleid: config-from-environment-go
	viper.SetConfigName(os.Getenv("APP_ENV"))
	// ruleid: config-file-chosen-at-start-go
	return viper.ReadInConfig()
}

type Config struct {
	DSN  string `env:"DSN"`
	Port int    `env:"PORT"`
}

// ruleid: config-file-chosen-at-start-go
var flagConfig = flag.String("config", "./config/local.yml", "path to the config file")

// ok: config-file-chosen-at-start-go
var flagLogLevel = flag.String("log-level", "info", "log level")

func LoadStruct(c *Config) error {
	// ruleid: config-file-chosen-at-start-go
	if err := cleanenv.ReadConfig(*flagConfig, c); err != nil {
		return err
	}
	// ruleid: config-from-environment-go
	if err := goenv.New("APP_", nil).Load(c); err != nil {
		return err
	}
	// ok: config-from-environment-go
	c.Port = parsePort("8080")
	// ruleid: config-from-environment-go
	return env.Parse(c)
}
