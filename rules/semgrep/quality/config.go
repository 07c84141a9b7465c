package store

import (
	"database/sql"
	"os"

	"github.com/jinzhu/gorm"
	"github.com/spf13/viper"
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
